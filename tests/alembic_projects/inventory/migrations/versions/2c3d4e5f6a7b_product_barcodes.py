"""product barcodes, unique when present

Revision ID: 2c3d4e5f6a7b
Revises: 1b2c3d4e5f6a
Create Date: 2022-03-08 13:13:00.000000

"""

# revision identifiers, used by Alembic.
revision = '2c3d4e5f6a7b'
down_revision = '1b2c3d4e5f6a'

from alembic import op
import sqlalchemy as sa


def upgrade():
    op.add_column('products', sa.Column('barcode', sa.String(length=32), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.create_index('ix_products_barcode', 'products', ['barcode'], unique=True,
                        postgresql_where=sa.text('barcode IS NOT NULL'))
    else:
        # MySQL allows any number of NULLs in a unique index
        op.create_index('ix_products_barcode', 'products', ['barcode'], unique=True)


def downgrade():
    op.drop_index('ix_products_barcode', table_name='products')
    op.drop_column('products', 'barcode')
