"""``revision --autogenerate --amend``: the rename hint leads to a command that works, and the
newest unapplied migration is regenerated in place without losing the user's file."""

from __future__ import annotations

from tests.autogenerate.test_cli_autogenerate import use_models
from tests.helpers import Project

NAMED = """\
import sqlalchemy as sa

metadata = sa.MetaData()
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50)),
)
"""


def test_amend_turns_a_drop_and_add_into_the_rename_the_hint_names(project: Project) -> None:
    use_models(project, NAMED)
    assert project.cli("revision", "--autogenerate", "-m", "initial").code == 0
    assert project.cli("upgrade", "head").code == 0

    use_models(project, NAMED.replace('"name"', '"full_name"'))
    # the table is empty, so the drop + add is written without a question
    first = project.cli("revision", "--autogenerate", "-m", "rename name")
    assert first.code == 0, first
    project.execute("INSERT INTO users (id, name) VALUES (1, 'ada')")
    hint = "distil revision --autogenerate --amend --rename users.name=users.full_name"
    assert hint in first.err
    [written] = [p for p in project.versions.glob("*rename_name.py")]
    assert "drop_column" in written.read_text()

    again = project.cli("revision", "--autogenerate", "-m", "rename name")
    assert again.code == 2
    assert "--amend" in again.err

    amended = project.cli(*hint.split()[1:])
    assert amended.code == 0, amended
    assert f"regenerated migrations/versions/{written.name}" in amended.out
    text = written.read_text()
    assert "drop_column" not in text and "new_column_name" in text
    assert 'revision = "' + written.name.split("_")[0] + '"' in text
    kept = project.versions / "__pycache__" / f"{written.name}.before-amend"
    assert "drop_column" in kept.read_text()

    assert project.cli("upgrade", "head").code == 0
    assert project.rows("SELECT id, full_name FROM users") == [(1, "ada")]
    assert project.cli("check").code == 0

    applied = project.cli("revision", "--autogenerate", "--amend")
    assert applied.code == 2
    assert "is applied" in applied.err


def test_a_failed_amend_puts_the_file_back(project: Project) -> None:
    use_models(project, NAMED)
    assert project.cli("revision", "--autogenerate", "-m", "initial").code == 0
    [initial] = list(project.versions.glob("*_initial.py"))
    before = initial.read_bytes()
    # the models cannot be imported: the amend fails before anything is written
    project.write("app_models.py", "raise RuntimeError('broken models')\n")
    failed = project.cli("revision", "--autogenerate", "--amend")
    assert failed.code != 0
    assert initial.read_bytes() == before
    assert not list((project.versions / "__pycache__").glob("*.before-amend"))
