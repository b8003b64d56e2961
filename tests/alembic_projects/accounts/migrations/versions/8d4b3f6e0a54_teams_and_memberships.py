"""teams and memberships

Revision ID: 8d4b3f6e0a54
Revises: 7c3a2e5d9f43
Create Date: 2024-03-18 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '8d4b3f6e0a54'
down_revision: Union[str, None] = '7c3a2e5d9f43'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('name', name=op.f('uq_teams_name'))
    )
    op.create_table('memberships',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), server_default='member', nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_memberships_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_memberships_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'team_id', name=op.f('pk_memberships'))
    )
    op.bulk_insert(
        sa.table('teams', sa.column('id', sa.Integer), sa.column('name', sa.String)),
        [{'id': 1, 'name': 'admins'}, {'id': 2, 'name': 'support'}],
    )


def downgrade() -> None:
    op.drop_table('memberships')
    op.drop_table('teams')
