"""index invoices by customer and status, concurrently

Revision ID: 4d5e6f708192
Revises: 3c4d5e6f7081
Create Date: 2022-03-10 18:03:59.004133

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4d5e6f708192'
down_revision = '3c4d5e6f7081'
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index(
            'ix_invoices_customer_id_status',
            'invoices',
            ['customer_id', 'status'],
            unique=False,
            postgresql_concurrently=True,
        )


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index(
            'ix_invoices_customer_id_status',
            table_name='invoices',
            postgresql_concurrently=True,
        )
