"""customers.country, derived from the e-mail domain

Revision ID: 92a3b4c5d6e7
Revises: 8192a3b4c5d6
Create Date: 2022-06-20 16:20:33.781205

"""
from alembic import context, op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '92a3b4c5d6e7'
down_revision = '8192a3b4c5d6'
branch_labels = None
depends_on = None

customers = sa.table(
    'customers',
    sa.column('id', sa.BigInteger),
    sa.column('email', sa.String),
    sa.column('country', sa.String),
)


def upgrade():
    op.add_column('customers', sa.Column('country', sa.String(length=2), nullable=True))
    if not context.is_offline_mode():
        conn = op.get_bind()
        rows = conn.execute(sa.select(customers.c.id, customers.c.email)).fetchall()
        for customer_id, email in rows:
            country = 'NL' if email.endswith('.nl') else 'US'
            conn.execute(
                customers.update().where(customers.c.id == customer_id).values(country=country)
            )
    op.alter_column('customers', 'country',
                    existing_type=sa.String(length=2),
                    nullable=False,
                    server_default='US')


def downgrade():
    op.drop_column('customers', 'country')
