"""customers

Revision ID: 1a2b3c4d5e6f
Revises:
Create Date: 2022-02-14 10:21:07.118402

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1a2b3c4d5e6f'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'customers',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=False), primary_key=True),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('full_name', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.UniqueConstraint('email', name='uq_customers_email'),
    )
    customers = sa.table(
        'customers',
        sa.column('email', sa.String),
        sa.column('full_name', sa.String),
    )
    op.bulk_insert(customers, [
        {'email': 'ops@example.org', 'full_name': 'Operations'},
        {'email': 'jane@example.org', 'full_name': 'Jane Roe'},
        {'email': 'john@example.org', 'full_name': 'John Doe'},
    ])


def downgrade():
    op.drop_table('customers')
