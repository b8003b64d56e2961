"""reporting: payment totals view

Revision ID: 708192a3b4c5
Revises: 6f708192a3b4
Create Date: 2022-04-05 13:45:10.002761

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '708192a3b4c5'
down_revision = '6f708192a3b4'
branch_labels = None
depends_on = '5e6f708192a3'


def upgrade():
    op.execute(
        """
        CREATE VIEW payment_totals AS
        SELECT i.customer_id, count(p.id) AS payments, coalesce(sum(p.amount), 0) AS total
        FROM invoices i LEFT JOIN payments p ON p.invoice_id = i.id
        GROUP BY i.customer_id
        """
    )


def downgrade():
    op.execute("DROP VIEW payment_totals")
