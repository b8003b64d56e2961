"""sellable flag and last change time

Revision ID: 7b8c9d0e1f2a
Revises: 6a7b8c9d0e1f
Create Date: 2023-06-19 09:45:00.000000

"""

# revision identifiers, used by Alembic.
revision = '7b8c9d0e1f2a'
down_revision = '6a7b8c9d0e1f'

from alembic import op
import sqlalchemy as sa

products = sa.sql.table(
    'products',
    sa.sql.column('status', sa.String),
    sa.sql.column('sellable', sa.Boolean),
)


def upgrade():
    op.add_column('products', sa.Column('sellable', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column('products', sa.Column('changed_at', sa.DateTime(), nullable=True, server_default=sa.func.now()))
    op.execute(
        products.update()
        .where(products.c.status == op.inline_literal('discontinued'))
        .values({'sellable': op.inline_literal(False)})
    )


def downgrade():
    op.drop_column('products', 'changed_at')
    op.drop_column('products', 'sellable')
