"""merge suppliers

Revision ID: 1b2c3d4e5f6a
Revises: e5f6a7b8c9d0, 0a1b2c3d4e5f
Create Date: 2022-02-01 09:00:00.000000

"""

# revision identifiers, used by Alembic.
revision = '1b2c3d4e5f6a'
down_revision = ('e5f6a7b8c9d0', '0a1b2c3d4e5f')

from alembic import op
import sqlalchemy as sa


def upgrade():
    pass


def downgrade():
    pass
