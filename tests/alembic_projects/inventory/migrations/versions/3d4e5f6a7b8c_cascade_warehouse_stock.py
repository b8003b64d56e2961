"""deleting a warehouse deletes its stock levels

Revision ID: 3d4e5f6a7b8c
Revises: 2c3d4e5f6a7b
Create Date: 2022-05-30 10:00:00.000000

"""

# revision identifiers, used by Alembic.
revision = '3d4e5f6a7b8c'
down_revision = '2c3d4e5f6a7b'

from alembic import op
import sqlalchemy as sa


def upgrade():
    op.drop_constraint('fk_stock_levels_warehouse_id', 'stock_levels', type_='foreignkey')
    op.create_foreign_key('fk_stock_levels_warehouse_id', 'stock_levels', 'warehouses',
                          ['warehouse_id'], ['id'], ondelete='CASCADE')


def downgrade():
    op.drop_constraint('fk_stock_levels_warehouse_id', 'stock_levels', type_='foreignkey')
    op.create_foreign_key('fk_stock_levels_warehouse_id', 'stock_levels', 'warehouses',
                          ['warehouse_id'], ['id'])
