"""rename stock_levels to stock, reserved quantities

Revision ID: 5f6a7b8c9d0e
Revises: 4e5f6a7b8c9d
Create Date: 2023-02-02 12:00:00.000000

"""

# revision identifiers, used by Alembic.
revision = '5f6a7b8c9d0e'
down_revision = '4e5f6a7b8c9d'

from alembic import op
import sqlalchemy as sa


def upgrade():
    op.rename_table('stock_levels', 'stock')
    with op.batch_alter_table('stock') as batch_op:
        batch_op.add_column(sa.Column('reserved', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index('ix_stock_reserved', ['reserved'])
        batch_op.create_check_constraint('ck_stock_reserved_within_quantity', 'reserved <= quantity')


def downgrade():
    with op.batch_alter_table('stock') as batch_op:
        batch_op.drop_constraint('ck_stock_reserved_within_quantity', type_='check')
        batch_op.drop_index('ix_stock_reserved')
        batch_op.drop_column('reserved')
    op.rename_table('stock', 'stock_levels')
