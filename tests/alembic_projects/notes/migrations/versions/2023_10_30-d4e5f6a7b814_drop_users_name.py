"""drop users.name (display_name replaces it)

Revision ID: d4e5f6a7b814
Revises: 6a5b4c3d2e93
Create Date: 2023-10-30 13:37:00.450021

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'd4e5f6a7b814'
down_revision: Union[str, None] = '6a5b4c3d2e93'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_name')
        batch_op.drop_column('name')
        batch_op.create_index(batch_op.f('ix_users_display_name'), ['display_name'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=100), nullable=True))
    op.execute("UPDATE users SET name = display_name")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(length=100), nullable=False)
        batch_op.drop_index(batch_op.f('ix_users_display_name'))
        batch_op.create_index('ix_users_name', ['name'], unique=False)
