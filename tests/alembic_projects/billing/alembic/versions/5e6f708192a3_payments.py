"""payments

Revision ID: 5e6f708192a3
Revises: 4d5e6f708192
Create Date: 2022-04-01 11:11:30.640288

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '5e6f708192a3'
down_revision = '4d5e6f708192'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Integer(), nullable=False),
        sa.Column('method', sa.Enum('card', 'bank_transfer', 'cash', name='payment_method'), nullable=False),
        sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('paid_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], ),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_payments_invoice_id', 'payments', ['invoice_id'])
    op.create_index('ix_payments_details', 'payments', ['details'], postgresql_using='gin')
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "INSERT INTO payments (invoice_id, method, amount, details) "
            "SELECT id, 'card', amount, CAST(:details AS jsonb) FROM invoices WHERE status = 'paid'"
        ),
        {"details": '{"source": "import"}'},
    )


def downgrade():
    op.drop_index('ix_payments_details', table_name='payments')
    op.drop_index('ix_payments_invoice_id', table_name='payments')
    op.drop_table('payments')
    op.execute('DROP TYPE payment_method')
