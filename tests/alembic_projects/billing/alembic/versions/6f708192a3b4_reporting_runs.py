"""reporting: report runs

Revision ID: 6f708192a3b4
Revises: 1a2b3c4d5e6f
Create Date: 2022-04-04 08:30:00.318822

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6f708192a3b4'
down_revision = '1a2b3c4d5e6f'
branch_labels = ('reporting',)
depends_on = None


def upgrade():
    op.create_table(
        'report_runs',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(64), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column('rows_written', sa.Integer(), nullable=False, server_default=sa.text('0')),
    )
    op.create_index('ix_report_runs_name_started_at', 'report_runs', ['name', sa.text('started_at DESC')])


def downgrade():
    op.drop_index('ix_report_runs_name_started_at', table_name='report_runs')
    op.drop_table('report_runs')
