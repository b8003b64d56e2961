"""unique notebook titles per owner, non-negative positions

Revision ID: e1f2a3b4c587
Revises: 4d3c2b1a0f65
Create Date: 2023-06-07 17:48:09.661204

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'e1f2a3b4c587'
down_revision: Union[str, None] = '4d3c2b1a0f65'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('notebooks', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_notebooks_owner_id_title'), ['owner_id', 'title'])
        batch_op.create_check_constraint('ck_notebooks_position_not_negative', 'position >= 0')
        batch_op.create_index(batch_op.f('ix_notebooks_owner_id'), ['owner_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notebooks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notebooks_owner_id'))
        batch_op.drop_constraint('ck_notebooks_position_not_negative', type_='check')
        batch_op.drop_constraint(batch_op.f('uq_notebooks_owner_id_title'), type_='unique')
