"""invoices

Revision ID: 2b3c4d5e6f70
Revises: 1a2b3c4d5e6f
Create Date: 2022-02-21 15:02:44.907511

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '2b3c4d5e6f70'
down_revision = '1a2b3c4d5e6f'
branch_labels = None
depends_on = None

invoice_status = postgresql.ENUM('draft', 'open', 'paid', name='invoice_status', create_type=False)


def upgrade():
    invoice_status.create(op.get_bind(), checkfirst=True)
    op.create_table(
        'invoices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.BigInteger(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('status', invoice_status, server_default='draft', nullable=False),
        sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('issued_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name='invoices_customer_id_fkey', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('number'),
    )
    op.create_index(op.f('ix_invoices_customer_id'), 'invoices', ['customer_id'], unique=False)
    op.execute(
        "INSERT INTO invoices (customer_id, number, status, amount, issued_on) VALUES "
        "(2, '1001', 'paid', 120.50, '2022-01-31'), "
        "(2, '1002', 'open', 80.00, '2022-02-28'), "
        "(3, '1003', 'draft', 15.25, NULL)"
    )


def downgrade():
    op.drop_index(op.f('ix_invoices_customer_id'), table_name='invoices')
    op.drop_table('invoices')
    invoice_status.drop(op.get_bind(), checkfirst=True)
