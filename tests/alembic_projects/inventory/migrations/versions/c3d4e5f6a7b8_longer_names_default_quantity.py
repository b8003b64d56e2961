"""longer product names, quantity defaults to zero

Revision ID: c3d4e5f6a7b8
Revises: b2c3d4e5f6a7
Create Date: 2021-09-02 16:45:00.021000

"""

# revision identifiers, used by Alembic.
revision = 'c3d4e5f6a7b8'
down_revision = 'b2c3d4e5f6a7'

from alembic import op
import sqlalchemy as sa


def upgrade():
    op.alter_column('products', 'name',
                    existing_type=sa.String(length=100),
                    type_=sa.String(length=255),
                    existing_nullable=False)
    op.alter_column('stock_levels', 'quantity',
                    existing_type=sa.Integer(),
                    existing_nullable=False,
                    server_default='0')


def downgrade():
    op.alter_column('stock_levels', 'quantity',
                    existing_type=sa.Integer(),
                    existing_nullable=False,
                    server_default=None)
    op.alter_column('products', 'name',
                    existing_type=sa.String(length=255),
                    type_=sa.String(length=100),
                    existing_nullable=False)
