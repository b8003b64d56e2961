"""invoice numbers are integers from a sequence

Revision ID: a3b4c5d6e7f8
Revises: 92a3b4c5d6e7
Create Date: 2022-07-11 10:00:41.300020

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.schema import CreateSequence, DropSequence, Sequence

# revision identifiers, used by Alembic.
revision = 'a3b4c5d6e7f8'
down_revision = '92a3b4c5d6e7'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(CreateSequence(Sequence('invoice_number_seq', start=2000)))
    op.alter_column(
        'invoices',
        'number',
        existing_type=sa.String(length=20),
        type_=sa.Integer(),
        existing_nullable=False,
        postgresql_using='number::integer',
        server_default=sa.text("nextval('invoice_number_seq'::regclass)"),
    )


def downgrade():
    op.alter_column(
        'invoices',
        'number',
        existing_type=sa.Integer(),
        type_=sa.String(length=20),
        existing_nullable=False,
        server_default=None,
    )
    op.execute(DropSequence(Sequence('invoice_number_seq')))
