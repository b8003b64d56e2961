"""which supplier delivers which product

Revision ID: 0a1b2c3d4e5f
Revises: f6a7b8c9d0e1
Create Date: 2022-01-19 14:14:14.140000

"""

# revision identifiers, used by Alembic.
revision = '0a1b2c3d4e5f'
down_revision = 'f6a7b8c9d0e1'
depends_on = ['c3d4e5f6a7b8']

from alembic import op
import sqlalchemy as sa


def upgrade():
    op.create_table(
        'product_suppliers',
        sa.Column('product_id', sa.Integer(), sa.ForeignKey('products.id', name='fk_product_suppliers_product_id', ondelete='CASCADE'), primary_key=True),
        sa.Column('supplier_id', sa.Integer(), sa.ForeignKey('suppliers.id', name='fk_product_suppliers_supplier_id', ondelete='CASCADE'), primary_key=True),
        sa.Column('lead_time_days', sa.SmallInteger(), nullable=False, server_default='7'),
        sa.CheckConstraint('lead_time_days >= 0', name='ck_product_suppliers_lead_time'),
        mysql_engine='InnoDB',
    )


def downgrade():
    op.drop_table('product_suppliers')
