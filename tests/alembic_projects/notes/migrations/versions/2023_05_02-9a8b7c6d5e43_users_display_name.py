"""users.display_name, filled from name

Revision ID: 9a8b7c6d5e43
Revises: 0e5f6a7b8c21
Create Date: 2023-05-02 14:33:17.007342

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '9a8b7c6d5e43'
down_revision: Union[str, None] = '0e5f6a7b8c21'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('display_name', sa.String(length=100), nullable=True))

    # fill the new column before it becomes NOT NULL
    op.execute(sa.text("UPDATE users SET display_name = name WHERE display_name IS NULL"))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('display_name',
               existing_type=sa.String(length=100),
               nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('display_name')
