"""seed welcome notebook

Revision ID: c2d9e8f1a403
Revises: 7b4e1d2a9c10
Create Date: 2023-03-10 08:45:30.002114

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'c2d9e8f1a403'
down_revision: Union[str, None] = '7b4e1d2a9c10'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


users = sa.table(
    'users',
    sa.column('id', sa.Integer),
    sa.column('email', sa.String),
    sa.column('name', sa.String),
)
notebooks = sa.table(
    'notebooks',
    sa.column('id', sa.Integer),
    sa.column('owner_id', sa.Integer),
    sa.column('title', sa.String),
)


def upgrade() -> None:
    op.bulk_insert(
        users,
        [
            {'id': 1, 'email': 'admin@example.com', 'name': 'Admin'},
            {'id': 2, 'email': 'ada@example.com', 'name': 'Ada Lovelace'},
            {'id': 3, 'email': 'grace@example.com', 'name': 'Grace Hopper'},
        ],
    )
    op.bulk_insert(
        notebooks,
        [
            {'id': 1, 'owner_id': 1, 'title': 'Welcome'},
            {'id': 2, 'owner_id': 2, 'title': 'Engines'},
            {'id': 3, 'owner_id': 3, 'title': 'Compilers'},
        ],
    )
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "INSERT INTO notes (id, notebook_id, title, body) "
            "VALUES (:id, :notebook_id, :title, :body)"
        ),
        [
            {'id': 1, 'notebook_id': 1, 'title': 'Getting started', 'body': 'Write 100% of your notes here.'},
            {'id': 2, 'notebook_id': 2, 'title': 'Note G', 'body': 'Bernoulli numbers'},
            {'id': 3, 'notebook_id': 3, 'title': 'A-0', 'body': 'First compiler'},
        ],
    )


def downgrade() -> None:
    op.execute("DELETE FROM notes WHERE id IN (1, 2, 3)")
    op.execute(notebooks.delete().where(notebooks.c.id.in_([1, 2, 3])))
    op.execute(users.delete().where(users.c.id.in_([1, 2, 3])))
