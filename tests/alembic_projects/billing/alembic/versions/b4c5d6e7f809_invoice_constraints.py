"""restrict customer deletion, amounts are never negative

Revision ID: b4c5d6e7f809
Revises: a3b4c5d6e7f8
Create Date: 2022-08-02 12:30:15.006190

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4c5d6e7f809'
down_revision = 'a3b4c5d6e7f8'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_constraint('invoices_customer_id_fkey', 'invoices', type_='foreignkey')
    op.create_foreign_key(
        'invoices_customer_id_fkey', 'invoices', 'customers',
        ['customer_id'], ['id'], ondelete='RESTRICT',
    )
    op.create_check_constraint('ck_invoices_amount_not_negative', 'invoices', sa.column('amount') >= 0)
    op.create_check_constraint(
        constraint_name='ck_payments_amount_positive',
        table_name='payments',
        condition='amount > 0',
    )


def downgrade():
    op.drop_constraint('ck_payments_amount_positive', 'payments', type_='check')
    op.drop_constraint('ck_invoices_amount_not_negative', 'invoices', type_='check')
    op.drop_constraint('invoices_customer_id_fkey', 'invoices', type_='foreignkey')
    op.create_foreign_key(
        'invoices_customer_id_fkey', 'invoices', 'customers',
        ['customer_id'], ['id'], ondelete='CASCADE',
    )
