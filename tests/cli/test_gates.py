"""`distil current` and `distil check` are CI gates that mean what they say.

Guarantees: both exit 1 when an applied migration file changed or is missing, or when the
history has several heads, naming the fix (restore / `--accept-changed`, `distil stamp`,
`distil merge`) and never printing "up to date" or "in sync" then; a stored "in sync" verdict of
`check` is not reused in those states. With migrations not applied, `check` says to upgrade first;
with several heads, both suggest `distil merge`, not an upgrade that would fail.
"""

from __future__ import annotations

import pytest
from tests.helpers import USERS_MODELS, Project

MODELS = USERS_MODELS


@pytest.fixture
def synced(project: Project) -> Project:
    """A project at head, in sync with its models, with a stored "in sync" verdict."""
    project.write("app/__init__.py", "")
    project.write("app/models.py", MODELS)
    config = project.root / "distil.toml"
    config.write_text(config.read_text() + 'models = "app.models:metadata"\n')
    made = project.cli(
        "revision", "--autogenerate", "-m", "users", "--rev-id", "0001", "--no-verify"
    )
    assert made.code == 0, made
    assert project.cli("upgrade", "head").code == 0
    for _ in range(2):
        check = project.cli("check")
        assert check.code == 0, check
    assert "unchanged since the last check" in check.out
    return project


def applied_file(project: Project) -> str:
    return next(project.versions.glob("0001_*.py")).name


def assert_gate_fails(result: object, *fragments: str) -> None:
    out = getattr(result, "out", "")
    assert getattr(result, "code", None) == 1, result
    assert "up to date" not in out and "in sync" not in out, result
    for fragment in fragments:
        assert fragment in out, f"{fragment!r} missing:\n{result}"


def test_a_changed_applied_file_fails_current_and_check(synced: Project) -> None:
    path = synced.versions / applied_file(synced)
    path.write_text(path.read_text() + "\nTOUCHED = True\n")
    for command in ("current", "check"):
        assert_gate_fails(
            synced.cli(command),
            f"changed since applied: migrations/versions/{path.name}",
            "--accept-changed",
        )
    assert synced.cli("upgrade", "--accept-changed").code == 0
    assert synced.cli("current").code == 0
    assert synced.cli("check").code == 0


def test_a_missing_applied_file_fails_current_and_check(synced: Project) -> None:
    (synced.versions / applied_file(synced)).unlink()
    for command in ("current", "check"):
        assert_gate_fails(
            synced.cli(command), "missing file: revision 0001", "restore it", "distil stamp"
        )


def test_several_heads_fail_current_and_check_and_suggest_merge(synced: Project) -> None:
    synced.write_migration("0002a", "0001", "pass", message="left")
    synced.write_migration("0002b", "0001", "pass", message="right")
    current = synced.cli("current")
    assert_gate_fails(current, "several heads: 0002a, 0002b", 'distil merge -m "merge heads"')
    assert 'pending: 2 revisions — run `distil merge -m "merge heads"` first' in current.out
    check = synced.cli("check")
    assert_gate_fails(check, "several heads: 0002a, 0002b", "distil merge")
    assert "upgrade` first" not in check.out

    assert synced.cli("upgrade", "0002a").code == 0
    assert synced.cli("upgrade", "0002b").code == 0
    for command in ("current", "check"):  # every file applied, still two heads
        assert_gate_fails(synced.cli(command), "several heads", "distil merge")

    assert synced.cli("merge", "-m", "join", "--rev-id", "0003").code == 0
    assert synced.cli("upgrade").code == 0
    assert synced.cli("current").code == 0
    assert synced.cli("check").code == 0


def test_check_on_a_database_behind_says_to_upgrade_first(synced: Project) -> None:
    synced.write_migration("0002", "0001", "pass", message="later")
    check = synced.cli("check")
    assert_gate_fails(check, "not applied (0002)", "run `distil upgrade` first")
    current = synced.cli("current")
    assert current.code == 0, current
    assert "pending: 1 revision — run `distil upgrade`" in current.out
    assert synced.cli("upgrade").code == 0
    assert synced.cli("check").code == 0
