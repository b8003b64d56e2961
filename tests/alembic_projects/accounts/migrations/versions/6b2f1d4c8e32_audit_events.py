"""audit events

Revision ID: 6b2f1d4c8e32
Revises: 5a1e0c3b7d21
Create Date: 2024-02-12 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '6b2f1d4c8e32'
down_revision: Union[str, None] = '5a1e0c3b7d21'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute('CREATE SCHEMA IF NOT EXISTS audit')
    op.create_table('events',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('happened_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_events_account_id_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    schema='audit'
    )
    op.create_index(op.f('ix_audit_events_account_id'), 'events', ['account_id'], unique=False, schema='audit')


def downgrade() -> None:
    op.drop_index(op.f('ix_audit_events_account_id'), table_name='events', schema='audit')
    op.drop_table('events', schema='audit')
    op.execute('DROP SCHEMA audit')
