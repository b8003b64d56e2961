"""rename notebooks to folders

Revision ID: 5c6d7e8f9a09
Revises: e1f2a3b4c587
Create Date: 2023-08-21 12:12:12.121212

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '5c6d7e8f9a09'
down_revision: Union[str, None] = 'e1f2a3b4c587'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.rename_table('notebooks', 'folders')
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_constraint('fk_notes_notebook_id_notebooks', type_='foreignkey')
        batch_op.drop_index('ix_notes_notebook_id')
        batch_op.alter_column('notebook_id', new_column_name='folder_id',
               existing_type=sa.Integer(), existing_nullable=False)

    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notes_folder_id'), ['folder_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notes_folder_id_folders'), 'folders', ['folder_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notes_folder_id_folders'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notes_folder_id'))
        batch_op.alter_column('folder_id', new_column_name='notebook_id',
               existing_type=sa.Integer(), existing_nullable=False)

    op.rename_table('folders', 'notebooks')
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.create_index('ix_notes_notebook_id', ['notebook_id'], unique=False)
        batch_op.create_foreign_key('fk_notes_notebook_id_notebooks', 'notebooks', ['notebook_id'], ['id'])
