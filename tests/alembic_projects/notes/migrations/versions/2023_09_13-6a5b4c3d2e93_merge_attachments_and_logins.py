"""merge attachments and logins

Revision ID: 6a5b4c3d2e93
Revises: a0b1c2d3e4f5, 2f3e4d5c6b72
Create Date: 2023-09-13 08:00:01.771542

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '6a5b4c3d2e93'
down_revision: Union[str, None] = ('a0b1c2d3e4f5', '2f3e4d5c6b72')
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
