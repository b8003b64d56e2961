"""merge reporting into the main line

Revision ID: 8192a3b4c5d6
Revises: 5e6f708192a3, 708192a3b4c5
Create Date: 2022-04-06 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8192a3b4c5d6'
down_revision = ('5e6f708192a3', '708192a3b4c5')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
