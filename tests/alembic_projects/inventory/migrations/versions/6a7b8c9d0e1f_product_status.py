"""product status

Revision ID: 6a7b8c9d0e1f
Revises: 5f6a7b8c9d0e
Create Date: 2023-04-11 15:30:00.000000

"""

# revision identifiers, used by Alembic.
revision = '6a7b8c9d0e1f'
down_revision = '5f6a7b8c9d0e'

from alembic import op
import sqlalchemy as sa

product_status = sa.Enum('active', 'discontinued', name='product_status')


def upgrade():
    product_status.create(op.get_bind(), checkfirst=True)
    op.add_column('products', sa.Column('status', product_status, nullable=False, server_default='active'))
    op.execute("UPDATE products SET status = 'discontinued' WHERE sku = 'NUT-M6'")


def downgrade():
    op.drop_column('products', 'status')
    product_status.drop(op.get_bind(), checkfirst=True)
