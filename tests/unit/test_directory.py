"""The versions directory: listing, writing new migrations atomically, importing them."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import types
from datetime import datetime, timezone
from pathlib import Path

import pytest

import distil
from distil.commands.history import list_heads, list_history, parse_range, show_revision
from distil.commands.revision import create_revision, merge_heads
from distil.errors import ConfigError, GraphError, RevisionNotFound, ScriptError, UsageError
from distil.scripts.directory import ScriptDirectory, new_revision_id, slugify
from distil.scripts.header import parse_header, read_header
from distil.scripts.template import render_script


class FakeConfig:
    """Only the attributes the revision commands read."""

    def __init__(self, versions_dir: Path) -> None:
        self.versions_dir = versions_dir
        self.root = versions_dir.parent
        self.script_location = versions_dir.parent
        self.post_write_hooks: tuple[str, ...] = ()


@pytest.fixture
def versions(tmp_path: Path) -> Path:
    path = tmp_path / "versions"
    path.mkdir()
    return path


@pytest.fixture
def distil_op(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``from distil import op`` importable even before the op facade exists."""
    try:
        importlib.import_module("distil.op")
    except ImportError:
        stand_in = types.ModuleType("distil.op")
        monkeypatch.setitem(sys.modules, "distil.op", stand_in)
        monkeypatch.setitem(vars(distil), "op", stand_in)


def test_new_revision_ids_are_twelve_hex_characters() -> None:
    first, second = new_revision_id(), new_revision_id()
    assert re.fullmatch(r"[0-9a-f]{12}", first)
    assert first != second


def test_slug() -> None:
    assert slugify("Add age to Users!") == "add_age_to_users"
    assert slugify("  --  ") == ""
    assert len(slugify("word " * 40)) <= 40


def test_missing_directory_says_run_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="distil init"):
        ScriptDirectory(tmp_path / "nope").headers()


def test_ignores_private_hidden_and_non_python_files(versions: Path) -> None:
    (versions / "a_one.py").write_text('revision = "a"\n')
    (versions / "__init__.py").write_text("")
    (versions / "_helper.py").write_text("x = 1\n")
    (versions / ".a_one.py.tmp").write_text("broken")
    (versions / ".hidden.py").write_text("broken(")
    (versions / "notes.txt").write_text("text")
    (versions / "sub.py").mkdir()
    headers = ScriptDirectory(versions).headers()
    assert [header.path.name for header in headers] == ["a_one.py"]


def test_write_script_round_trip(versions: Path, distil_op: None) -> None:
    directory = ScriptDirectory(versions)
    first = directory.write_script(message="Create users", down_revisions=(), rev_id="aaa111")
    assert first.name == "aaa111_create_users.py"
    path = directory.write_script(
        message='Add "age" to users',
        down_revisions=("aaa111",),
        rev_id="bbb222",
        branch_labels=("users",),
        depends_on=("aaa111",),
        upgrade_body='op.add_column("users", sa.Column("age", sa.Integer()))\nCALLS.append(1)',
        downgrade_body="CALLS.append(-1)",
        extra_imports=("CALLS = []",),
    )
    header = read_header(path)
    assert header.revision == "bbb222"
    assert header.down_revisions == ("aaa111",)
    assert header.branch_labels == ("users",)
    assert header.depends_on == ("aaa111",)
    assert header.message == 'Add "age" to users'
    assert header.create_date is not None
    assert directory.graph().heads() == ("bbb222",)
    module = directory.load_module(header)
    assert module.revision == "bbb222"
    module.downgrade()
    assert module.CALLS == [-1]
    assert not any(name.startswith("_distil_migration_") for name in sys.modules)
    assert [p.name for p in versions.iterdir() if p.name.endswith(".tmp")] == []


def test_write_script_refuses_existing_or_invalid_ids(versions: Path) -> None:
    directory = ScriptDirectory(versions)
    directory.write_script(message="one", down_revisions=(), rev_id="abc")
    with pytest.raises(GraphError, match="already exists"):
        directory.write_script(message="two", down_revisions=("abc",), rev_id="abc")
    for bad in ("has-dash", "_lead", "head", "a b", ""):
        with pytest.raises(ScriptError, match="Invalid revision id"):
            directory.write_script(message="two", down_revisions=("abc",), rev_id=bad)
    with pytest.raises(GraphError, match="'missing'"):
        directory.write_script(message="two", down_revisions=("missing",), rev_id="def")
    assert [path.name for path in versions.iterdir()] == ["abc_one.py"]


def test_load_module_reports_syntax_errors_with_line(versions: Path) -> None:
    header = read_header(_write(versions / "a.py", 'revision = "a"\n'))
    header.path.write_text('revision = "a"\n\n\ndef upgrade(:\n    pass\n')
    with pytest.raises(ScriptError) as caught:
        ScriptDirectory(versions).load_module(header)
    assert f"{header.path}:4:" in str(caught.value)


def test_load_module_names_the_line_that_raised(versions: Path) -> None:
    text = 'revision = "a"\n\n\ndef helper():\n    return 1 / 0\n\n\nhelper()\n'
    header = read_header(_write(versions / "a_boom.py", text))
    with pytest.raises(ScriptError) as caught:
        ScriptDirectory(versions).load_module(header)
    message = str(caught.value)
    assert message.startswith(f"{header.path}:5: importing the migration file raised ")
    assert "ZeroDivisionError" in message
    assert "Traceback" not in message and "importlib" not in message


def test_a_file_without_downgrade_loads_but_cannot_be_undone(versions: Path) -> None:
    header = read_header(
        _write(versions / "a.py", 'revision = "a"\n\n\ndef upgrade():\n    pass\n')
    )
    directory = ScriptDirectory(versions)
    directory.migration_function(header, "up")()
    with pytest.raises(ScriptError, match=r"a\.py \(revision a\) has no `downgrade\(\)`"):
        directory.migration_function(header, "down")


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# ---------------------------------------------------------------- commands


def test_create_revision_chains_on_the_single_head(versions: Path) -> None:
    config = FakeConfig(versions)
    first = create_revision(config, "create users", rev_id="r1")
    assert read_header(first).down_revisions == ()
    second = create_revision(config, "add age")
    assert read_header(second).down_revisions == ("r1",)
    assert [header.revision for header in list_heads(config)] == [read_header(second).revision]


def test_create_revision_with_several_heads_asks_for_merge(versions: Path) -> None:
    config = FakeConfig(versions)
    create_revision(config, "root", rev_id="root")
    create_revision(config, "left", rev_id="left")
    with pytest.raises(UsageError, match="splice"):
        create_revision(config, "right", rev_id="right", head="root")
    create_revision(config, "right", rev_id="right", head="root", splice=True)
    with pytest.raises(GraphError, match="left, right") as caught:
        create_revision(config, "next")
    assert "distil merge" in str(caught.value)
    on_left = create_revision(config, "on left", head="lef", rev_id="onleft")
    assert read_header(on_left).down_revisions == ("left",)


def test_merge_heads_joins_every_head(versions: Path) -> None:
    config = FakeConfig(versions)
    create_revision(config, "root", rev_id="root")
    with pytest.raises(UsageError, match="Nothing to merge"):
        merge_heads(config, "merge")
    create_revision(config, "a", rev_id="a1")
    create_revision(config, "b", rev_id="b1", head="root", splice=True)
    merged = merge_heads(config, "merge heads", rev_id="m1")
    assert read_header(merged).down_revisions == ("a1", "b1")
    assert [header.revision for header in list_heads(config)] == ["m1"]
    assert 'down_revision = ("a1", "b1")' in merged.read_text()


def test_merge_rejects_an_ancestor(versions: Path) -> None:
    config = FakeConfig(versions)
    create_revision(config, "root", rev_id="root")
    create_revision(config, "a", rev_id="a1")
    with pytest.raises(UsageError, match="ancestor"):
        merge_heads(config, "merge", revisions=("root", "a1"))


def test_history_and_show(versions: Path) -> None:
    config = FakeConfig(versions)
    for index in range(4):
        create_revision(config, f"step {index}", rev_id=f"s{index}")
    assert [h.revision for h in list_history(config)] == ["s3", "s2", "s1", "s0"]
    assert [h.revision for h in list_history(config, "s1:s2")] == ["s2", "s1"]
    assert [h.revision for h in list_history(config, ":s1")] == ["s1", "s0"]
    assert [h.revision for h in list_history(config, "s2:")] == ["s3", "s2"]
    assert [h.revision for h in list_history(config, "base:head")] == ["s3", "s2", "s1", "s0"]
    with pytest.raises(UsageError, match="START:END"):
        list_history(config, "s1")
    header, text = show_revision(config, "s2")
    assert header.message == "step 2"
    assert 'revision = "s2"' in text
    with pytest.raises(RevisionNotFound):
        show_revision(config, "zzz")
    assert parse_range(":") == (None, None)


# ---------------------------------------------------------------- template

EXPECTED_EMPTY_SCRIPT = '''"""Add age to users

Revision ID: 3f2a9c1b7d4e
Revises: 9b1c0e2d4a6f
Create Date: 2026-11-27 10:15:02.123456+00:00
"""

import sqlalchemy as sa  # noqa: F401
from distil import op  # noqa: F401

revision = "3f2a9c1b7d4e"
down_revision = "9b1c0e2d4a6f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
'''

CREATED = datetime(2026, 11, 27, 10, 15, 2, 123456, tzinfo=timezone.utc)


def test_template_has_the_documented_shape() -> None:
    text = render_script(
        revision="3f2a9c1b7d4e",
        down_revisions=("9b1c0e2d4a6f",),
        message="Add age to users",
        create_date=CREATED,
        upgrade_body="pass",
        downgrade_body="",
    )
    assert text == EXPECTED_EMPTY_SCRIPT


def test_template_renders_merges_labels_and_bodies() -> None:
    text = render_script(
        revision="m",
        down_revisions=("a", "b"),
        message="merge",
        create_date=CREATED,
        upgrade_body="if True:\n    x = 1\n\ny = 2",
        downgrade_body="pass",
        branch_labels=("one",),
        depends_on=("x", "y"),
    )
    assert 'down_revision = ("a", "b")\nbranch_labels = "one"\ndepends_on = ("x", "y")\n' in text
    assert "Revises: a, b\n" in text
    assert "    if True:\n        x = 1\n\n    y = 2\n" in text


MESSAGES = [
    "Add age to users",
    "",
    '"quoted" at the start',
    'triple """ quotes and a \\ backslash',
    "several\nlines\n  indented\n\twith a tab",
    "control\x01character and unicode é ✓",
    "long " * 60,
]


@pytest.mark.parametrize("message", MESSAGES)
def test_rendered_scripts_are_ruff_clean_and_read_back(tmp_path: Path, message: str) -> None:
    five_heads = tuple(f"{index:012x}" for index in range(5))  # 90 characters on one line
    many_heads = tuple(f"{index:012x}" for index in range(10))
    for down_revisions in ((), ("a1",), five_heads, many_heads):
        text = render_script(
            revision="abc123",
            down_revisions=down_revisions,
            message=message,
            create_date=CREATED,
            upgrade_body='op.add_column("t", sa.Column("c", sa.Integer()))',
            downgrade_body='op.drop_column("t", "c")',
            branch_labels=("x", "y"),
            extra_imports=("from sqlalchemy.dialects import postgresql",),
        )
        header = parse_header(text.encode(), tmp_path / "m.py")
        assert header.down_revisions == down_revisions
        assert header.branch_labels == ("x", "y")
        assert header.message == message.strip().split("\n")[0].strip()
        ruff = Path(sys.executable).with_name("ruff")
        for line_length in ("88", "100") if ruff.exists() else ():
            result = subprocess.run(
                [str(ruff), "format", "--diff", "--isolated", "--line-length", line_length, "-"],
                input=text,
                capture_output=True,
                text=True,
            )
            assert result.returncode == 0, result.stdout + result.stderr
