"""Post-write hooks run the project's own commands on every migration file distil writes.

Guarantees: ``post_write_hooks`` commands run in order on the file written by ``revision``,
``revision --autogenerate`` and ``merge``, with ``{path}`` and ``{python}`` filled in and the
project's formatter (ruff, from the virtualenv) found even when the virtualenv is not activated; a
hook that fails or cannot be found makes the command exit 1 naming the hook, and leaves the file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.helpers import Project

# un-formats the file so that the formatter after it has something to do, and logs the call
UNFORMAT = (
    '{python} -c "import pathlib, sys; p = pathlib.Path(sys.argv[1]); '
    "p.write_text(p.read_text() + 'HOOKED   =   ( 1 , )' + chr(10)); "
    "pathlib.Path('hooks.log').open('a').write(p.name + chr(10))\" {path}"
)


def configure(project: Project, *hooks: str) -> None:
    config = project.root / "distil.toml"
    config.write_text(config.read_text() + f"post_write_hooks = {json.dumps(list(hooks))}\n")


def logged(project: Project) -> list[str]:
    log = project.root / "hooks.log"
    return log.read_text().splitlines() if log.exists() else []


def new_file(project: Project, result_out: str) -> Path:
    created = [line for line in result_out.splitlines() if line.startswith("created ")]
    assert created, result_out
    return project.root / created[-1].removeprefix("created ").split(" (")[0].strip()


def test_hooks_run_in_order_on_revision_merge_and_autogenerate(project: Project) -> None:
    configure(project, UNFORMAT, "ruff format {path}")
    first = project.cli("revision", "-m", "first", "--rev-id", "aaa111")
    assert first.code == 0, first
    path = new_file(project, first.out)
    assert path.read_text().endswith("HOOKED = (1,)\n")  # ruff formatted what the first hook wrote
    assert logged(project) == [path.name]

    for rev in ("bbb001", "bbb002"):
        made = project.cli("revision", "-m", rev, "--rev-id", rev, "--head", "aaa111", "--splice")
        assert made.code == 0, made
    merged = project.cli("merge", "-m", "join", "--rev-id", "ccc003")
    assert merged.code == 0, merged
    assert new_file(project, merged.out).read_text().endswith("HOOKED = (1,)\n")
    assert project.cli("upgrade").code == 0

    project.write("app/__init__.py", "")
    project.write(
        "app/models.py",
        "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n"
        'sa.Table("item", metadata, sa.Column("id", sa.Integer, primary_key=True))\n',
    )
    config = project.root / "distil.toml"
    config.write_text(config.read_text() + 'models = "app.models:metadata"\n')
    generated = project.cli("revision", "--autogenerate", "-m", "item", "--no-verify")
    assert generated.code == 0, generated
    path = new_file(project, generated.out)
    assert path.read_text().endswith("HOOKED = (1,)\n")
    assert len(logged(project)) == 5
    assert project.cli("upgrade").code == 0
    assert "item" in project.table_names()


def test_a_failing_hook_is_named_and_the_file_is_kept(project: Project) -> None:
    configure(project, UNFORMAT, "{python} -c \"import sys; sys.exit('formatter broke')\"")
    result = project.cli("revision", "-m", "first", "--rev-id", "aaa111")
    assert result.code == 1, result
    assert "post-write hook" in result.err
    assert "failed with exit status 1" in result.err
    assert "formatter broke" in result.err
    assert "Traceback" not in result.err
    kept = list(project.versions.glob("aaa111_*.py"))
    assert len(kept) == 1 and "HOOKED" in kept[0].read_text()
    assert project.cli("upgrade").code == 0


def test_a_hook_that_cannot_be_found_is_named(project: Project) -> None:
    configure(project, "no-such-formatter-xyz --fix {path}")
    result = project.cli("revision", "-m", "first", "--rev-id", "aaa111")
    assert result.code == 1, result
    assert "'no-such-formatter-xyz' was found neither on PATH" in result.err
    assert len(list(project.versions.glob("aaa111_*.py"))) == 1


def test_a_hook_that_cannot_be_split_is_a_config_error(project: Project) -> None:
    configure(project, "ruff format 'unclosed")
    result = project.cli("heads")
    assert result.code == 2, result
    assert "post_write_hooks" in result.err and "cannot be split" in result.err


def test_a_hook_given_as_a_path_is_relative_to_the_config_file(project: Project) -> None:
    tool = project.root / "tools" / "mark.py"
    tool.parent.mkdir()
    tool.write_text(
        "#!" + sys.executable + "\nimport pathlib, sys\n"
        "p = pathlib.Path(sys.argv[1])\np.write_text(p.read_text() + '# marked\\n')\n"
    )
    tool.chmod(0o755)
    configure(project, "./tools/mark.py")
    inside = Project(root=project.versions, url=project.url)  # run from a subdirectory
    result = inside.cli("revision", "-m", "first", "--rev-id", "aaa111")
    assert result.code == 0, result
    assert next(project.versions.glob("aaa111_*.py")).read_text().endswith("# marked\n")
