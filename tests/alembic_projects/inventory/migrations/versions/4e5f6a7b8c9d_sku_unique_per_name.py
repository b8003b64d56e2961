"""warehouse codes are unique per address; sku lookups by prefix

Revision ID: 4e5f6a7b8c9d
Revises: 3d4e5f6a7b8c
Create Date: 2022-08-08 08:08:08.000000

"""

# revision identifiers, used by Alembic.
revision = '4e5f6a7b8c9d'
down_revision = '3d4e5f6a7b8c'

from alembic import op
import sqlalchemy as sa


def upgrade():
    op.drop_constraint('uq_warehouses_code', 'warehouses', type_='unique')
    op.create_unique_constraint('uq_warehouses_code_address', 'warehouses', ['code', 'address'])
    op.create_index(op.f('ix_products_name'), 'products', ['name'])


def downgrade():
    op.drop_index(op.f('ix_products_name'), table_name='products')
    op.drop_constraint('uq_warehouses_code_address', 'warehouses', type_='unique')
    op.create_unique_constraint('uq_warehouses_code', 'warehouses', ['code'])
