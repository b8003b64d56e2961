"""legacy import staging table

Revision ID: 7c3a2e5d9f43
Revises: 6b2f1d4c8e32
Create Date: 2024-03-01 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '7c3a2e5d9f43'
down_revision: Union[str, None] = '6b2f1d4c8e32'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # filled by the nightly import, not described by the models (env.py's include_object skips it)
    op.create_table('legacy_accounts',
    sa.Column('legacy_id', sa.String(length=36), nullable=False),
    sa.Column('payload', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('legacy_id')
    )


def downgrade() -> None:
    op.drop_table('legacy_accounts')
