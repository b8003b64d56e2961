"""subscriptions without overlapping periods

Revision ID: e7f8091a2b3c
Revises: d6e7f8091a2b
Create Date: 2023-03-27 14:00:52.661038

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'e7f8091a2b3c'
down_revision = 'd6e7f8091a2b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'subscriptions',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('customer_id', sa.BigInteger(), sa.ForeignKey('customers.id', ondelete='CASCADE'), nullable=False),
        sa.Column('plan', sa.String(length=32), nullable=False),
        sa.Column('period', postgresql.TSTZRANGE(), nullable=False),
        sa.Column('tags', postgresql.ARRAY(sa.String()), server_default='{}', nullable=False),
    )
    op.create_exclude_constraint(
        'subscriptions_no_overlap',
        'subscriptions',
        ('period', '&&'),
        using='gist',
    )
    op.execute(
        sa.text(
            "INSERT INTO subscriptions (customer_id, plan, period, tags) VALUES "
            "(2, 'pro', tstzrange('2023-01-01 00:00+00', '2024-01-01 00:00+00'), ARRAY['annual'])"
        )
    )


def downgrade():
    op.drop_table('subscriptions')
