"""table comments, customer defaults

Revision ID: d6e7f8091a2b
Revises: c5d6e7f8091a
Create Date: 2023-01-09 09:09:09.090909

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd6e7f8091a2b'
down_revision = 'c5d6e7f8091a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table_comment('invoices', 'One row per issued invoice', existing_comment=None)
    op.alter_column('invoices', 'amount',
                    existing_type=sa.Numeric(precision=12, scale=2),
                    existing_nullable=False,
                    comment='Total including tax, in the customer currency')
    op.alter_column('customers', 'full_name',
                    existing_type=sa.String(length=200),
                    type_=sa.String(length=300),
                    existing_nullable=False,
                    server_default='')
    op.alter_column('customers', 'country',
                    existing_type=sa.String(length=2),
                    existing_nullable=False,
                    existing_server_default=sa.text("'US'::character varying"),
                    server_default=None)


def downgrade():
    op.alter_column('customers', 'country',
                    existing_type=sa.String(length=2),
                    existing_nullable=False,
                    server_default='US')
    op.alter_column('customers', 'full_name',
                    existing_type=sa.String(length=300),
                    type_=sa.String(length=200),
                    existing_nullable=False,
                    server_default=None)
    op.alter_column('invoices', 'amount',
                    existing_type=sa.Numeric(precision=12, scale=2),
                    existing_nullable=False,
                    comment=None,
                    existing_comment='Total including tax, in the customer currency')
    op.drop_table_comment('invoices', existing_comment='One row per issued invoice')
