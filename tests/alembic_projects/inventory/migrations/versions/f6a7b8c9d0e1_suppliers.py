"""suppliers

Revision ID: f6a7b8c9d0e1
Revises: a1b2c3d4e5f6
Create Date: 2022-01-12 10:20:30.400000

"""

# revision identifiers, used by Alembic.
revision = 'f6a7b8c9d0e1'
down_revision = 'a1b2c3d4e5f6'
branch_labels = ('suppliers',)

from alembic import op
import sqlalchemy as sa


def upgrade():
    op.create_table(
        'suppliers',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()),
        mysql_engine='InnoDB',
    )
    op.create_index(op.f('ix_suppliers_name'), 'suppliers', ['name'], unique=True)


def downgrade():
    op.drop_index(op.f('ix_suppliers_name'), table_name='suppliers')
    op.drop_table('suppliers')
