"""rename warehouses.location to address

Revision ID: d4e5f6a7b8c9
Revises: c3d4e5f6a7b8
Create Date: 2021-11-23 11:00:05.300000

"""

# revision identifiers, used by Alembic.
revision = 'd4e5f6a7b8c9'
down_revision = 'c3d4e5f6a7b8'

from alembic import op
import sqlalchemy as sa


def upgrade():
    op.alter_column('warehouses', 'location', new_column_name='address',
                    existing_type=sa.String(length=200), existing_nullable=True)


def downgrade():
    op.alter_column('warehouses', 'address', new_column_name='location',
                    existing_type=sa.String(length=200), existing_nullable=True)
