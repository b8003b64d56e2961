"""Commands and targets as an Alembic user types them: ``history -r current:``, ``-r -N:``,
``show current``, ``branches``, ``edit``, ``upgrade +N``, ``downgrade base``, and the advice for
``upgrade -1`` / ``downgrade 1``, through the real CLI on every database."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from tests.helpers import Project


def linear_history(project: Project, count: int = 4) -> None:
    down = None
    for number in range(1, count + 1):
        rev = f"r{number}"
        project.write_migration(
            rev,
            down,
            upgrade=f'op.create_table("t{number}", sa.Column("id", sa.Integer, primary_key=True))',
            downgrade=f'op.drop_table("t{number}")',
            message=f"step {number}",
        )
        down = rev


def history_ids(output: str) -> list[str]:
    return [line.split(" -> ", 1)[1].split(",")[0].split(" ")[0] for line in output.splitlines()]


def test_relative_and_current_targets(project: Project) -> None:
    linear_history(project)
    assert project.cli("upgrade", "+2").code == 0
    assert sorted(project.table_names()) == ["distil_version", "t1", "t2"]

    since_current = project.cli("history", "-r", "current:")
    assert since_current.code == 0, since_current
    assert history_ids(since_current.out) == ["r4", "r3", "r2"]

    from_below = project.cli("history", "-r", "-1:")
    assert from_below.code == 0, from_below
    assert history_ids(from_below.out) == ["r4", "r3", "r2", "r1"]

    up_to_current = project.cli("history", "-r", ":current")
    assert history_ids(up_to_current.out) == ["r2", "r1"]

    shown = project.cli("show", "current")
    assert shown.code == 0, shown
    assert "Revision ID: r2" in shown.out and 'op.create_table("t2"' in shown.out

    too_far = project.cli("history", "-r", "-5:")
    assert too_far.code == 2
    assert "goes below base" in too_far.err

    assert project.cli("downgrade", "base").code == 0
    assert project.table_names() == ["distil_version"]
    at_base = project.cli("show", "current")
    assert at_base.code == 2
    assert "the database is at base" in at_base.err


def test_wrong_direction_gets_the_right_command(project: Project) -> None:
    linear_history(project, 2)
    assert project.cli("upgrade", "head").code == 0

    backwards = project.cli("upgrade", "-1")
    assert backwards.code == 2, backwards
    assert "`distil downgrade -1`" in backwards.err
    assert "Traceback" not in backwards.err

    count_without_sign = project.cli("downgrade", "1")
    assert count_without_sign.code == 2, count_without_sign
    assert "`distil downgrade -1`" in count_without_sign.err

    forwards = project.cli("downgrade", "+1")
    assert forwards.code == 2
    assert "`distil upgrade +1`" in forwards.err
    # nothing moved
    assert sorted(project.table_names()) == ["distil_version", "t1", "t2"]


def test_branches_lists_branch_points_with_their_children(project: Project) -> None:
    project.write_migration("base1", None, upgrade="pass", message="root")
    project.write_migration("left", "base1", upgrade="pass", message="left side")
    project.write_migration("right", "base1", upgrade="pass", message="right side")
    result = project.cli("branches")
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert lines[0].startswith("<base> -> base1 (branchpoint)")
    assert sorted(lines[1:]) == ["    -> left, left side", "    -> right, right side"]

    single = Project.create(project.root.parent / "single", "sqlite://")
    single.write_migration("only", None, upgrade="pass")
    assert "no branch points" in single.cli("branches").out


def test_edit_opens_the_revision_in_the_editor(project: Project) -> None:
    linear_history(project, 2)
    assert project.cli("upgrade", "+1").code == 0
    editor = project.root / "fake-editor.py"
    editor.write_text(
        f"#!{sys.executable}\nimport sys, pathlib\n"
        "pathlib.Path(sys.argv[1]).with_suffix('.seen').write_text(sys.argv[1])\n"
    )
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    result = project.cli("edit", "current", env={"EDITOR": str(editor), "VISUAL": ""})
    assert result.code == 0, result
    seen = list(project.versions.glob("*.seen"))
    assert [path.name for path in seen] == ["r1_step_1.seen"]

    environment = {"EDITOR": "", "VISUAL": ""}
    missing = project.cli("edit", "head", env=environment)
    assert missing.code == 2
    assert "set VISUAL or EDITOR" in missing.err
    assert "r2_step_2.py" in missing.err


def test_help_shows_whole_first_sentences_examples_and_repeatable_options(tmp_path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DISTIL_")}
    environment["COLUMNS"] = "80"

    def help_text(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "distil", *args, "--help"],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    overview = " ".join(help_text().split("Commands:", 1)[1].split())
    assert "..." not in overview
    assert "(empty, or from the models with --autogenerate)." in overview
    assert "exit 1 (and show the plan) when they differ." in overview
    commands = [
        "init", "revision", "check", "merge", "upgrade", "downgrade", "stamp", "current",
        "heads", "history", "show", "branches", "edit", "lint",
    ]  # fmt: skip
    for command in commands:
        text = help_text(command)
        assert "Example:" in text, command
        assert f"distil {command}" in text.split("Example:", 1)[1] or command == "edit", command
    revision = " ".join(help_text("revision").split())
    for option in ("--depends-on", "--rename", "--default"):
        described = revision.split(option, 1)[1][:200]
        assert "repeatable" in described, option


def test_lint_since_a_git_ref_lints_only_what_the_branch_added(project: Project) -> None:
    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=project.root,
            check=True,
            capture_output=True,
        )

    project.write_migration("old", None, upgrade='op.drop_table("legacy")', message="old drop")
    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "base")
    project.write_migration("new", "old", upgrade='op.drop_table("other")', message="new drop")

    everything = project.cli("lint", "--all")
    assert "old_old_drop.py" in everything.out and "new_new_drop.py" in everything.out

    since = project.cli("lint", "--since", "HEAD")
    assert since.code == 1, since  # the new drop is an error
    assert "new_new_drop.py" in since.out
    assert "old_old_drop.py" not in since.out

    git("add", "-A")
    git("commit", "-qm", "branch")
    assert "nothing to lint" in project.cli("lint", "--since", "HEAD").out

    unknown = project.cli("lint", "--since", "no-such-ref")
    assert unknown.code == 2
    assert "--since no-such-ref" in unknown.err


def test_init_with_models_suggests_the_first_autogenerate(tmp_path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DISTIL_")}
    done = subprocess.run(
        [sys.executable, "-m", "distil", "init", "--url", "sqlite:///app.db", "--models", "m:md"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert 'next: distil revision --autogenerate -m "initial"' in done.stdout
