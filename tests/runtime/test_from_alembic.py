"""``distil init --from-alembic``: a realistic Alembic project converted in one command, then
taken over and carried on by distil."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from distil.commands.alembic_env import filter_globs, read_env
from distil.commands.from_alembic import convert
from distil.config import _KNOWN_KEYS, tomllib
from tests.helpers import Project
from tests.runtime.alembic_project import DUAL_IMPORT

ALEMBIC_TEMPLATE = "sqlalchemy.url = driver://user:pass@localhost/dbname"

ALEMBIC_INI = """\
[alembic]
script_location = %(here)s/alembic
prepend_sys_path = .
version_path_separator = os
sqlalchemy.url = driver://user:pass@localhost/dbname
file_template = %%(year)d_%%(rev)s_%%(slug)s

[post_write_hooks]
hooks = ruff
ruff.type = exec
ruff.executable = ruff
ruff.options = format REVISION_SCRIPT_FILENAME

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""

ENV_PY = '''\
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

import app.extensions  # noqa: F401  (registers things the migrations use)
from app.models import Base

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

config.set_main_option("sqlalchemy.url", os.environ["APP_DATABASE_URL"].replace("%", "%%"))
target_metadata = Base.metadata

CELERY_TABLES = {"celery_taskmeta", "celery_tasksetmeta"}


def include_object(object, name, type_, reflected, compare_to):
    """Celery keeps its results in the same database."""
    if type_ == "table" and name in CELERY_TABLES:
        return False
    return True


def include_name(name, type_, parent_names):
    if type_ == "schema":
        return name in [None, "reporting"]
    return True


def process_revision_directives(context, revision, directives):
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        version_table="app_version",
        include_schemas=True,
        include_object=include_object,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table="app_version",
            include_schemas=True,
            include_object=include_object,
            include_name=include_name,
            compare_type=True,
            render_as_batch=True,
            process_revision_directives=process_revision_directives,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

MODELS = """\
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id = sa.Column(sa.Integer, primary_key=True)
    email = sa.Column(sa.String(200), nullable=False)
"""

FIRST_REVISION = f'''\
"""create users

Revision ID: 1a2b3c4d5e6f
Revises:
Create Date: 2024-01-01 00:00:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
{DUAL_IMPORT}
revision: str = "1a2b3c4d5e6f"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("users")
'''


def write_alembic_project(root: Path) -> None:
    (root / "alembic" / "versions").mkdir(parents=True, exist_ok=True)
    (root / "app").mkdir(exist_ok=True)
    (root / "alembic.ini").write_text(ALEMBIC_INI, encoding="utf-8")
    (root / "alembic" / "env.py").write_text(ENV_PY, encoding="utf-8")
    (root / "alembic" / "versions" / "2024_1a2b3c4d5e6f_create_users.py").write_text(
        FIRST_REVISION, encoding="utf-8"
    )
    (root / "app" / "__init__.py").write_text("", encoding="utf-8")
    (root / "app" / "extensions.py").write_text("LOADED = True\n", encoding="utf-8")
    (root / "app" / "models.py").write_text(MODELS, encoding="utf-8")


def test_conversion_maps_what_it_can_and_lists_the_rest(tmp_path: Path) -> None:
    write_alembic_project(tmp_path)
    result = convert(tmp_path / "alembic.ini", tmp_path)
    settings = result.settings
    assert settings["script_location"] == "alembic"
    assert settings["url"] == "${APP_DATABASE_URL}"
    assert settings["models"] == "app.models:Base.metadata"
    assert settings["alembic_version_table"] == "app_version"
    assert settings["exclude_tables"] == ["celery_taskmeta", "celery_tasksetmeta"]
    assert settings["include_schemas"] == ["reporting"]
    for key, value in (("preload", ["app.extensions", "app.models"]), ("prepend_sys_path", ["."])):
        if key in _KNOWN_KEYS:
            assert settings[key] == value
        else:
            assert any(key in line for line in result.not_carried)
    hooks = [line for line in result.not_carried if "process_revision_directives" in line]
    assert len(hooks) == 1 and "edit the file" in hooks[0]
    assert any(line.startswith("file_template") for line in result.not_carried)
    assert settings["post_write_hooks"] == ["ruff format {path}"]
    assert any("render_as_batch=True: not needed" in line for line in result.mapped)
    assert any("compare_type=True" in line for line in result.mapped)
    assert any("server defaults" in note for note in result.notes)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('return not (type_ == "table" and name in {"a", "b"})', {"exclude_tables": ["a", "b"]}),
        (
            'if type_ == "table" and name.startswith(("celery_", "tmp_")):\n'
            "        return False\n    return True",
            {"exclude_tables": ["celery_*", "tmp_*"]},
        ),
        (
            'if type_ == "table" and name not in KEEP:\n        return False\n    return True',
            {"include_tables": ["users", "posts"]},
        ),
        (
            'if type_ == "schema":\n        return name in [None, "audit"]\n    return True',
            {"include_schemas": ["audit"]},
        ),
        ('return not name.endswith("_bak")', {"exclude_tables": ["*_bak"]}),
        (
            'if type_ == "table" and reflected and compare_to is None:\n        return False\n'
            "    return True",
            None,
        ),
        ('if type_ == "column" and name == "x":\n        return False\n    return True', None),
    ],
)
def test_name_tests_become_globs(body: str, expected: dict[str, list[str]] | None) -> None:
    source = f'KEEP = ("users", "posts")\n\ndef f(object, name, type_, reflected, compare_to):\n    {body}\n'
    facts = read_env(source)
    found = filter_globs(facts.functions["f"], facts, "include_object")
    if expected is None:
        assert found is None
        return
    assert found is not None
    got = {key: sorted(value) for key, value in vars(found).items() if value}
    assert got == {key: sorted(value) for key, value in expected.items()}


def test_env_var_forms_and_imported_hooks(tmp_path: Path) -> None:
    write_alembic_project(tmp_path)
    env = tmp_path / "alembic" / "env.py"
    text = ENV_PY.replace(
        'os.environ["APP_DATABASE_URL"]', 'os.getenv("DB_URL", "sqlite:///dev.db")'
    ).replace(
        "from app.models import Base",
        "from app.models import Base\nfrom app.filters import include_name as keep",
    )
    text = text.replace("include_name=include_name", "include_name=keep")
    env.write_text(text, encoding="utf-8")
    result = convert(tmp_path / "alembic.ini", tmp_path)
    assert result.settings["url"] == "${DB_URL:-sqlite:///dev.db}"
    assert result.settings["include_name"] == "app.filters:include_name"


def alembic_cli(root: Path, url: str, *args: str) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DISTIL_")}
    environment["APP_DATABASE_URL"] = url
    completed = subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr


def test_converted_project_is_taken_over_and_carried_on(project: Project) -> None:
    root = project.root
    (root / "distil.toml").unlink()
    write_alembic_project(root)
    alembic_cli(root, project.url, "upgrade", "head")
    project.execute("CREATE TABLE celery_taskmeta (id INTEGER PRIMARY KEY, status VARCHAR(50))")
    env = {"APP_DATABASE_URL": project.url}

    result = project.cli("init", "--from-alembic")
    assert result.code == 0, result
    assert "carried over:" in result.out and "not carried over" in result.out
    assert "process_revision_directives" in result.out
    written = tomllib.loads((root / "distil.toml").read_text(encoding="utf-8"))
    assert written["alembic_version_table"] == "app_version"
    assert written["url"] == "${APP_DATABASE_URL}"

    current = project.cli("current", env=env)
    assert current.code == 0, current
    assert "managed by Alembic" in current.out and "app_version" in current.out

    upgraded = project.cli("upgrade", "head", env=env)
    assert upgraded.code == 0, upgraded
    assert "taking over Alembic's app_version" in upgraded.err

    check = project.cli("check", env=env)
    assert check.code == 0, check
    nothing = project.cli("revision", "--autogenerate", "-m", "nothing", env=env)
    assert nothing.code == 0, nothing
    assert "No changes detected" in nothing.out

    models = root / "app" / "models.py"
    models.write_text(
        MODELS + "    nickname = sa.Column(sa.String(40), nullable=True)\n", encoding="utf-8"
    )
    changed = project.cli(
        "revision", "--autogenerate", "-m", "nickname", "--rev-id", "0002", env=env
    )
    assert changed.code == 0, changed
    assert "proven on a scratch database" in changed.out
    new_file = next((root / "alembic" / "versions").glob("0002_*.py"))
    text = new_file.read_text(encoding="utf-8")
    assert "nickname" in text and "celery" not in text and "app_version" not in text
    body = textwrap.dedent(text.split("def upgrade()", 1)[1].split("def downgrade()", 1)[0])
    assert body.count("op.") == 1
    assert project.cli("upgrade", "head", env=env).code == 0
    assert "nickname" in project.columns("users")
    assert project.cli("check", env=env).code == 0


def test_into_pyproject_and_models_asked_on_a_terminal(tmp_path: Path) -> None:
    import pty
    import select

    write_alembic_project(tmp_path)
    env_py = tmp_path / "alembic" / "env.py"
    env_py.write_text(
        ENV_PY.replace("target_metadata = Base.metadata", "target_metadata = get_metadata()"),
        encoding="utf-8",
    )
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n', encoding="utf-8")
    master, slave = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DISTIL_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "distil", "--no-color", "init", "--from-alembic"],
        cwd=tmp_path,
        env=environment,
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    seen = b""
    answered = False
    while process.poll() is None or select.select([master], [], [], 0.1)[0]:
        ready, _, _ = select.select([master], [], [], 30)
        assert ready, seen
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        if not answered and b"Where are the models" in seen:
            assert b"get_metadata()" in seen
            os.write(master, b"app.models:Base\n")
            answered = True
    process.wait(timeout=30)
    os.close(master)
    assert process.returncode == 0, seen.decode(errors="replace")
    written = tomllib.loads((tmp_path / "pyproject.toml").read_text(encoding="utf-8"))
    assert written["project"]["name"] == "app"
    assert written["tool"]["distil"]["models"] == "app.models:Base"
    assert written["tool"]["distil"]["alembic_version_table"] == "app_version"


def test_without_a_terminal_the_notes_say_what_to_pass(tmp_path: Path) -> None:
    write_alembic_project(tmp_path)
    env_py = tmp_path / "alembic" / "env.py"
    env_py.write_text(
        ENV_PY.replace("target_metadata = Base.metadata", "target_metadata = get_metadata()"),
        encoding="utf-8",
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DISTIL_")}
    completed = subprocess.run(
        [sys.executable, "-m", "distil", "init", "--from-alembic", "alembic.ini"],
        cwd=tmp_path,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert "--models MODULE:ATTR" in completed.stdout and "get_metadata()" in completed.stdout
    assert "models" not in tomllib.loads((tmp_path / "distil.toml").read_text(encoding="utf-8"))
    again = subprocess.run(
        [sys.executable, "-m", "distil", "init", "--from-alembic"],
        cwd=tmp_path,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 2, again.stderr
    assert "already exists" in again.stderr


def test_alembics_pyproject_form(tmp_path: Path) -> None:
    write_alembic_project(tmp_path)
    (tmp_path / "alembic.ini").unlink()
    (tmp_path / "more_versions").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [project]
            name = "app"

            [tool.alembic]
            script_location = "%(here)s/alembic"
            prepend_sys_path = ["."]
            version_locations = ["%(here)s/alembic/versions", "%(here)s/more_versions"]

            [[tool.alembic.post_write_hooks]]
            name = "ruff"
            type = "module"
            module = "ruff"
            options = "format REVISION_SCRIPT_FILENAME"
            """
        ),
        encoding="utf-8",
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DISTIL_")}
    completed = subprocess.run(
        [sys.executable, "-m", "distil", "init", "--from-alembic", "--models", "app.models:Base"],
        cwd=tmp_path,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    table = tomllib.loads((tmp_path / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    assert table["alembic"]["script_location"] == "%(here)s/alembic"  # kept as it was
    settings = table["distil"]
    assert settings["script_location"] == "alembic"
    assert settings["version_locations"] == ["alembic/versions", "more_versions"]
    assert settings["post_write_hooks"] == ["{python} -m ruff format {path}"]
    assert settings["url"] == "${APP_DATABASE_URL}"
    heads = subprocess.run(
        [sys.executable, "-m", "distil", "heads"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert heads.returncode == 0, heads.stderr
    assert "1a2b3c4d5e6f" in heads.stdout


SECOND_LOCATION_REVISION = f'''\
"""add posts

Revision ID: 9f8e7d6c5b4a
Revises: 1a2b3c4d5e6f
Create Date: 2024-02-01 00:00:00.000000

"""
import sqlalchemy as sa
{DUAL_IMPORT}
revision = "9f8e7d6c5b4a"
down_revision = "1a2b3c4d5e6f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("posts")
'''

POSTS_MODEL = """

class Post(Base):
    __tablename__ = "posts"
    id = sa.Column(sa.Integer, primary_key=True)
    title = sa.Column(sa.String(100), nullable=False)
"""


def test_several_version_locations_are_checked_and_extended(project: Project) -> None:
    root = project.root
    (root / "distil.toml").unlink()
    write_alembic_project(root)
    (root / "plugins" / "versions").mkdir(parents=True)
    (root / "plugins" / "versions" / "9f8e7d6c5b4a_add_posts.py").write_text(
        SECOND_LOCATION_REVISION, encoding="utf-8"
    )
    ini = root / "alembic.ini"
    ini.write_text(
        ini.read_text(encoding="utf-8").replace(
            "version_path_separator = os\n",
            "version_path_separator = os\n"
            f"version_locations = %(here)s/alembic/versions{os.pathsep}%(here)s/plugins/versions\n",
        ),
        encoding="utf-8",
    )
    (root / "app" / "models.py").write_text(MODELS + POSTS_MODEL, encoding="utf-8")
    alembic_cli(root, project.url, "upgrade", "head")
    env = {"APP_DATABASE_URL": project.url}
    assert project.cli("init", "--from-alembic").code == 0
    assert project.cli("upgrade", "head", env=env).code == 0
    check = project.cli("check", env=env)
    assert check.code == 0, check
    (root / "app" / "models.py").write_text(
        MODELS + "    nickname = sa.Column(sa.String(40))\n" + POSTS_MODEL, encoding="utf-8"
    )
    result = project.cli("revision", "--autogenerate", "-m", "nick", "--rev-id", "0003", env=env)
    assert result.code == 0, result
    assert list((root / "alembic" / "versions").glob("0003_*.py"))
    assert not list((root / "plugins" / "versions").glob("0003_*.py"))
    assert "9f8e7d6c5b4a" in next((root / "alembic" / "versions").glob("0003_*.py")).read_text()


@pytest.mark.parametrize(
    ("ini_url", "expected"),
    [
        ("sqlite:///%(here)s/app.db", "sqlite:///app.db"),
        (
            "postgresql+psycopg://app:s3%%cret@db/app",
            "postgresql+psycopg://app:${DISTIL_DB_PASSWORD}@db/app",
        ),
        (
            "postgresql+psycopg://app@db/app?sslmode=require",
            "postgresql+psycopg://app@db/app?sslmode=require",
        ),
    ],
)
def test_the_ini_url(tmp_path: Path, ini_url: str, expected: str) -> None:
    write_alembic_project(tmp_path)
    ini = tmp_path / "alembic.ini"
    ini.write_text(
        ini.read_text(encoding="utf-8").replace(ALEMBIC_TEMPLATE, f"sqlalchemy.url = {ini_url}"),
        encoding="utf-8",
    )
    env_py = tmp_path / "alembic" / "env.py"
    env_py.write_text(
        ENV_PY.replace(
            'config.set_main_option("sqlalchemy.url", os.environ["APP_DATABASE_URL"].replace("%", "%%"))\n',
            "",
        ),
        encoding="utf-8",
    )
    result = convert(ini, tmp_path)
    assert result.settings["url"] == expected
    if "PASSWORD" in expected:
        assert any("DISTIL_DB_PASSWORD" in note for note in result.notes)
