"""note defaults and an index of live notes

Revision ID: 1c2d3e4f5a36
Revises: d4e5f6a7b814
Create Date: 2024-01-15 09:05:41.883417

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '1c2d3e4f5a36'
down_revision: Union[str, None] = 'd4e5f6a7b814'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.alter_column('body',
               existing_type=sa.TEXT(),
               server_default='',
               existing_nullable=True)
        batch_op.alter_column('updated_at',
               existing_type=sa.DateTime(),
               server_default=sa.text('CURRENT_TIMESTAMP'),
               existing_nullable=True)
        batch_op.create_index('ix_notes_live_title', ['folder_id', 'title'], unique=False,
                              sqlite_where=sa.text('archived = 0'),
                              postgresql_where=sa.text('NOT archived'))
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.alter_column('colour',
               existing_type=sa.String(length=7),
               server_default=None,
               existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.alter_column('colour',
               existing_type=sa.String(length=7),
               server_default='#cccccc',
               existing_nullable=False)
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_index('ix_notes_live_title', sqlite_where=sa.text('archived = 0'),
                            postgresql_where=sa.text('NOT archived'))
        batch_op.alter_column('updated_at',
               existing_type=sa.DateTime(),
               server_default=None,
               existing_nullable=True)
        batch_op.alter_column('body',
               existing_type=sa.TEXT(),
               server_default=None,
               existing_nullable=True)
