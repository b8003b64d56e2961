"""record who uploaded an attachment

Revision ID: a0b1c2d3e4f5
Revises: b8a7c6d5e4f1
Create Date: 2023-09-12 10:10:10.101010

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'a0b1c2d3e4f5'
down_revision: Union[str, None] = 'b8a7c6d5e4f1'
branch_labels: Union[str, Sequence[str], None] = None
# the uploader is only known once users log in (users.last_login_at)
depends_on: Union[str, Sequence[str], None] = '2f3e4d5c6b72'


def upgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uploaded_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_attachments_uploaded_by_users'), 'users', ['uploaded_by'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attachments_uploaded_by_users'), type_='foreignkey')
        batch_op.drop_column('uploaded_by')
