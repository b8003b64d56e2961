"""product weight and description

Revision ID: b2c3d4e5f6a7
Revises: a1b2c3d4e5f6
Create Date: 2021-07-14 09:31:12.512000

"""

# revision identifiers, used by Alembic.
revision = 'b2c3d4e5f6a7'
down_revision = 'a1b2c3d4e5f6'

from alembic import op
import sqlalchemy as sa


def upgrade():
    op.add_column('products', sa.Column('weight', sa.Numeric(precision=10, scale=3), nullable=True))
    op.add_column('products', sa.Column('description', sa.Text(), nullable=True))
    op.create_index('ix_products_description', 'products', ['description'], mysql_length=100)


def downgrade():
    op.drop_index('ix_products_description', table_name='products')
    op.drop_column('products', 'description')
    op.drop_column('products', 'weight')
