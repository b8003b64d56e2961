"""add 'void' to invoice_status

Revision ID: 3c4d5e6f7081
Revises: 2b3c4d5e6f70
Create Date: 2022-03-03 09:40:12.550019

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c4d5e6f7081'
down_revision = '2b3c4d5e6f70'
branch_labels = None
depends_on = None


def upgrade():
    # ALTER TYPE ... ADD VALUE cannot run inside a transaction block before PostgreSQL 12
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE invoice_status ADD VALUE IF NOT EXISTS 'void'")


def downgrade():
    # PostgreSQL cannot drop a value from an enum: rebuild the type without it
    op.execute("UPDATE invoices SET status = 'draft' WHERE status = 'void'")
    op.execute("ALTER TYPE invoice_status RENAME TO invoice_status_old")
    op.execute("CREATE TYPE invoice_status AS ENUM ('draft', 'open', 'paid')")
    op.execute("ALTER TABLE invoices ALTER COLUMN status DROP DEFAULT")
    op.execute(
        "ALTER TABLE invoices ALTER COLUMN status TYPE invoice_status "
        "USING status::text::invoice_status"
    )
    op.execute("ALTER TABLE invoices ALTER COLUMN status SET DEFAULT 'draft'")
    op.execute("DROP TYPE invoice_status_old")
