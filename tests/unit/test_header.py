"""Revision headers are read without importing the file, from distil and Alembic files alike."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from distil.errors import ScriptError
from distil.scripts import header as header_module
from distil.scripts.header import (
    OP_CALLS_IN_LOOP,
    file_checksum,
    parse_header,
    read_header,
    read_headers,
    source_checksum,
)

DISTIL_FILE = '''"""Add age to users

Revision ID: 3f2a9c1b7d4e
Revises: 9b1c0e2d4a6f
Create Date: 2026-11-27 10:15:02.123456+00:00
"""

from distil import op
import sqlalchemy as sa

revision = "3f2a9c1b7d4e"
down_revision = "9b1c0e2d4a6f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("age", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "age")
'''

ALEMBIC_FILE = '''"""create account table

Revision ID: 1975ea83b712
Revises: ae1027a6acf
Create Date: 2011-11-08 11:40:27.089406

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = "1975ea83b712"
down_revision: Union[str, None] = "ae1027a6acf"
branch_labels: Union[str, Sequence[str], None] = ("accounts",)
depends_on: Union[str, Sequence[str], None] = ["55af2cb1c267", "0a1b2c3d"]


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
'''


def write(tmp_path: Path, text: str, name: str = "migration.py") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_a_distil_file(tmp_path: Path) -> None:
    path = write(tmp_path, DISTIL_FILE)
    header = read_header(path)
    assert header.revision == "3f2a9c1b7d4e"
    assert header.down_revisions == ("9b1c0e2d4a6f",)
    assert header.branch_labels == ()
    assert header.depends_on == ()
    assert header.message == "Add age to users"
    assert header.create_date == "2026-11-27 10:15:02.123456+00:00"
    assert header.path == path
    assert header.raw_checksum == file_checksum(DISTIL_FILE.encode())
    assert header.checksum == source_checksum(DISTIL_FILE.encode(), Path("x.py"))
    assert header.checksum != header.raw_checksum


def test_reads_an_alembic_file_with_annotated_assignments(tmp_path: Path) -> None:
    header = read_header(write(tmp_path, ALEMBIC_FILE))
    assert header.revision == "1975ea83b712"
    assert header.down_revisions == ("ae1027a6acf",)
    assert header.branch_labels == ("accounts",)
    assert header.depends_on == ("55af2cb1c267", "0a1b2c3d")
    assert header.message == "create account table"
    assert header.create_date == "2011-11-08 11:40:27.089406"


def test_merge_revision_has_a_tuple_of_down_revisions(tmp_path: Path) -> None:
    text = 'revision = "m1"\ndown_revision = ("a", "b")\n'
    header = read_header(write(tmp_path, text))
    assert header.down_revisions == ("a", "b")
    assert header.message == ""
    assert header.create_date is None


def test_base_revision_has_no_down_revisions(tmp_path: Path) -> None:
    header = read_header(write(tmp_path, '"""first"""\nrevision = "a"\ndown_revision = None\n'))
    assert header.down_revisions == ()
    assert header.message == "first"


def test_last_assignment_wins_and_nested_assignments_are_ignored(tmp_path: Path) -> None:
    text = 'revision = "old"\nrevision = "new"\ndef upgrade():\n    down_revision = "not-header"\n'
    header = read_header(write(tmp_path, text))
    assert header.revision == "new"
    assert header.down_revisions == ()


def test_empty_first_docstring_line_still_finds_the_message(tmp_path: Path) -> None:
    text = '"""\nAdd things\n\nRevision ID: a\n"""\nrevision = "a"\n'
    assert read_header(write(tmp_path, text)).message == "Add things"
    empty = '"""\n\nRevision ID: a\n"""\nrevision = "a"\n'
    assert read_header(write(tmp_path, empty, "b.py")).message == ""


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'revision = "a"\n\ndef upgrade(:\n    pass\n')
    with pytest.raises(ScriptError) as caught:
        read_header(path)
    assert f"{path}:3:" in str(caught.value)
    assert "syntax" in str(caught.value)


def test_missing_revision_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "down_revision = None\n")
    with pytest.raises(ScriptError, match="no revision id") as caught:
        read_header(path)
    assert str(path) in str(caught.value)


def test_non_literal_revision_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "import uuid\nrevision = uuid.uuid4().hex\n")
    with pytest.raises(ScriptError, match="must be a literal") as caught:
        read_header(path)
    assert f"{path}:2" in str(caught.value)


def test_non_string_in_tuple_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, 'revision = "a"\ndown_revision = ("b", 3)\n')
    with pytest.raises(ScriptError, match="down_revision"):
        read_header(path)


@pytest.mark.parametrize("bad", ["head", "base", "a b", "a:b", ""])
def test_reserved_or_malformed_revision_ids_are_rejected(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ScriptError):
        read_header(write(tmp_path, f'revision = "{bad}"\n'))


def test_own_revision_as_parent_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="its own revision"):
        read_header(write(tmp_path, 'revision = "a"\ndown_revision = "a"\n'))


def test_checksum_ignores_line_endings_but_not_content(tmp_path: Path) -> None:
    lf = read_header(write(tmp_path, DISTIL_FILE, "lf.py"))
    crlf_path = tmp_path / "crlf.py"
    crlf_path.write_bytes(DISTIL_FILE.replace("\n", "\r\n").encode())
    crlf = read_header(crlf_path)
    assert crlf.checksum == lf.checksum
    assert lf.checksum == read_header(tmp_path / "lf.py").checksum
    edited = read_header(write(tmp_path, DISTIL_FILE.replace("age", "years"), "edited.py"))
    assert edited.checksum != lf.checksum
    assert len(lf.checksum) == 64


def test_parse_header_never_runs_the_file(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = f'import pathlib\npathlib.Path({str(marker)!r}).touch()\nrevision = "a"\n'
    assert parse_header(text.encode(), tmp_path / "x.py").revision == "a"
    assert not marker.exists()


def age(path: Path, seconds: float = 60) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


@pytest.fixture
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cache files changed just now (``utime`` sets the change time, which no test can age)."""
    monkeypatch.setattr(header_module, "_RACY_WINDOW_NS", -(10**12))


@pytest.mark.usefixtures("no_racy_window")
def test_cache_is_reused_and_invalidated_by_edits(tmp_path: Path) -> None:
    cache = tmp_path / "__pycache__" / "headers.json"
    path = write(tmp_path, 'revision = "a"\n', "a.py")
    age(path)
    assert read_headers([path], cache)[0].revision == "a"
    assert cache.exists()
    path.write_text('revision = "b"\n', encoding="utf-8")
    age(path, 30)
    assert read_headers([path], cache)[0].revision == "b"


@pytest.mark.usefixtures("no_racy_window")
def test_cache_entries_are_trusted_only_for_an_unchanged_file(tmp_path: Path) -> None:
    cache = tmp_path / "__pycache__" / "headers.json"
    path = write(tmp_path, 'revision = "a"\n', "a.py")
    age(path)
    read_headers([path], cache)
    text = cache.read_text()
    cache.write_text(text.replace('"revision":"a"', '"revision":"from-cache"'))
    assert read_headers([path], cache)[0].revision == "from-cache"
    age(path, 120)
    assert read_headers([path], cache)[0].revision == "a"


def test_corrupt_cache_is_ignored(tmp_path: Path) -> None:
    cache = tmp_path / "__pycache__" / "headers.json"
    cache.parent.mkdir()
    path = write(tmp_path, 'revision = "a"\n', "a.py")
    for garbage in ("{not json", "[]", '{"format": 1, "files": {"a.py": {"size": "x"}}}'):
        cache.write_text(garbage)
        assert read_headers([path], cache)[0].revision == "a"


def test_recently_modified_files_are_not_cached(tmp_path: Path) -> None:
    cache = tmp_path / "__pycache__" / "headers.json"
    path = write(tmp_path, 'revision = "a"\n', "a.py")
    read_headers([path], cache)
    assert "a.py" not in (cache.read_text() if cache.exists() else "")
    age(path)  # an old modification time, but the change time is now
    read_headers([path], cache)
    assert "a.py" not in (cache.read_text() if cache.exists() else "")


@pytest.mark.usefixtures("no_racy_window")
def test_an_edit_that_restores_size_and_modification_time_is_not_hidden(tmp_path: Path) -> None:
    cache = tmp_path / "__pycache__" / "headers.json"
    path = write(tmp_path, 'revision = "a"\nX = 1\n', "a.py")
    age(path)
    before = read_headers([path], cache)[0]
    stat = path.stat()
    path.write_text('revision = "a"\nX = 2\n', encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    after = read_headers([path], cache)[0]
    assert after.raw_checksum == file_checksum(path.read_bytes())
    assert after.checksum != before.checksum


SAME_MIGRATION = [
    'import sqlalchemy as sa\nfrom distil import op\n\nrevision = "a"\n\n\ndef upgrade():\n'
    '    op.add_column("t", sa.Column("c", sa.Integer(), nullable=True))\n',
    '"""A message."""\n\nfrom distil import op  # facade\nimport sqlalchemy as sa\n\n'
    "revision = 'a'\n\ndef upgrade():\n    '''Reviewed.'''\n    # add the column\n"
    "    op.add_column('t', sa.Column('c', sa.Integer(), nullable=True,),)\n",
    "from distil import op\r\nimport sqlalchemy as sa\r\nrevision = (\r\n    'a'\r\n)\r\n"
    "def upgrade():\r\n    op.add_column(\r\n        't',\r\n"
    "        sa.Column('c', sa.Integer(), nullable=True)\r\n    )\r\n",
]
OTHER_MIGRATIONS = [
    SAME_MIGRATION[0].replace("nullable=True", "nullable=False"),
    SAME_MIGRATION[0].replace('"c"', '"d"'),
    SAME_MIGRATION[0].replace('revision = "a"', 'revision = "b"'),
    SAME_MIGRATION[0].replace("import sqlalchemy as sa", "import sqlalchemy as sa\nimport os"),
    SAME_MIGRATION[0] + "    op.drop_column('t', 'x')\n",
]


def test_checksum_ignores_formatting_comments_docstrings_and_import_order() -> None:
    sums = {source_checksum(text.encode(), Path("m.py")) for text in SAME_MIGRATION}
    assert len(sums) == 1
    other = {source_checksum(text.encode(), Path("m.py")) for text in OTHER_MIGRATIONS}
    assert len(other) == len(OTHER_MIGRATIONS) and not other & sums


ALEMBIC_FILE_WITH_UNSUPPORTED_OP = '''"""Uses an operation distil lacks"""
from alembic import op
import sqlalchemy as sa

revision = "c1"
down_revision = None


def upgrade():
    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))
    op.bulk_copy_everything("t")
'''


@pytest.mark.usefixtures("no_racy_window")
def test_what_a_file_uses_of_alembic_is_read_with_its_header_and_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The construct check before a run needs no second parse: the header carries what the
    file uses, from the same syntax tree, and the cache keeps it with the checksum."""
    from distil.alembic_compat import checks

    cache = tmp_path / "__pycache__" / "headers.json"
    path = write(tmp_path, ALEMBIC_FILE_WITH_UNSUPPORTED_OP, "c1.py")
    parsed = read_headers([path], cache)[0]
    assert (11, "op", "bulk_copy_everything") in parsed.constructs
    monkeypatch.setattr(header_module, "_parse_module", lambda *a: pytest.fail("parsed again"))
    cached = read_headers([path], cache)[0]
    assert cached == parsed
    with pytest.raises(ScriptError) as caught:
        checks.check_constructs(cached.path, cached.constructs)
    assert f"{path}:11: `op.bulk_copy_everything` is not supported" in str(caught.value)


def test_a_file_that_does_not_mention_alembic_has_nothing_to_check(tmp_path: Path) -> None:
    assert read_header(write(tmp_path, DISTIL_FILE)).constructs == ()


def _op_calls(body: str) -> int:
    source = f'"""Add things, for the record.\n"""\nrevision = "a1"\ndown_revision = None\n{body}'
    return parse_header(source.encode(), Path("a1_x.py")).op_calls


def test_op_calls_are_counted_as_written() -> None:
    body = (
        "def upgrade():\n"
        "    op.create_table('a', sa.Column('id', sa.Integer))\n"
        "    with op.batch_alter_table('a') as batch_op:\n"
        "        batch_op.add_column(sa.Column('b', sa.Integer))\n"
        "\n"
        "def downgrade():\n"
        "    op.drop_table('a')\n"
    )
    assert _op_calls(body) == 4


def test_an_op_call_in_a_loop_or_comprehension_counts_as_many() -> None:
    loop = "def upgrade():\n    for name in NAMES:\n        op.drop_table(name)\n"
    comprehension = "def upgrade():\n    [op.drop_table(name) for name in NAMES]\n"
    assert _op_calls(loop) >= OP_CALLS_IN_LOOP
    assert _op_calls(comprehension) >= OP_CALLS_IN_LOOP
    assert _op_calls("def upgrade():\n    for name in NAMES:\n        print(name)\n") == 0


def test_a_file_written_by_this_process_is_not_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from distil.scripts.directory import ScriptDirectory

    versions = tmp_path / "versions"
    versions.mkdir()
    directory = ScriptDirectory(versions)
    path = directory.write_script(message="add things", down_revisions=(), rev_id="a1")
    parsed: list[Path] = []
    parse = header_module._parse_module
    monkeypatch.setattr(
        header_module, "_parse_module", lambda data, p: parsed.append(p) or parse(data, p)
    )

    # inside the two-second window the cache file does not trust, and again after an edit
    assert [h.revision for h in directory.headers()] == ["a1"]
    assert [h.revision for h in directory.headers()] == ["a1"]
    assert parsed == []
    path.write_text(path.read_text().replace('revision = "a1"', 'revision = "b2"'))
    assert [h.revision for h in directory.headers()] == ["b2"]
    assert parsed == [path]
