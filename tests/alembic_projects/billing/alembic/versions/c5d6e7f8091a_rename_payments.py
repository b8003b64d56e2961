"""rename payments to invoice_payments

Revision ID: c5d6e7f8091a
Revises: b4c5d6e7f809
Create Date: 2022-10-17 17:17:17.171717

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5d6e7f8091a'
down_revision = 'b4c5d6e7f809'
branch_labels = None
depends_on = None


def upgrade():
    op.rename_table('payments', 'invoice_payments')
    op.execute('ALTER INDEX ix_payments_invoice_id RENAME TO ix_invoice_payments_invoice_id')
    op.execute('ALTER SEQUENCE payments_id_seq RENAME TO invoice_payments_id_seq')
    op.execute('ALTER TABLE invoice_payments RENAME CONSTRAINT payments_pkey TO invoice_payments_pkey')
    op.execute(
        """
        CREATE OR REPLACE VIEW payment_totals AS
        SELECT i.customer_id, count(p.id) AS payments, coalesce(sum(p.amount), 0) AS total
        FROM invoices i LEFT JOIN invoice_payments p ON p.invoice_id = i.id
        GROUP BY i.customer_id
        """
    )


def downgrade():
    op.execute('ALTER TABLE invoice_payments RENAME CONSTRAINT invoice_payments_pkey TO payments_pkey')
    op.execute('ALTER SEQUENCE invoice_payments_id_seq RENAME TO payments_id_seq')
    op.execute('ALTER INDEX ix_invoice_payments_invoice_id RENAME TO ix_payments_invoice_id')
    op.rename_table('invoice_payments', 'payments')
