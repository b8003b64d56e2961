"""Running the Alembic projects under Alembic and under distil, and comparing what each built.

Guarantees: ``run_alembic`` runs the real Alembic command line on a copy of a project, and
``run_distil`` runs distil's command line on the same files with the ``alembic`` package made
unimportable (a ``sitecustomize`` on ``PYTHONPATH`` refuses every module found in Alembic's
installed directory), so a pass proves distil needs no Alembic at run time. ``schema_snapshot``
and ``data_snapshot`` reduce a database to plain, sorted values: column order and constraint
names are left out, everything else the Inspector reflects (types, nullability, defaults, keys,
uniques, indexes, checks, comments, enums, views, sequences) and every row are kept.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests.helpers import CliResult

PROJECTS_DIR = Path(__file__).parent
BASE = "base"


@dataclass(frozen=True)
class AlembicProject:
    """One hand-written Alembic project under ``tests/alembic_projects/``."""

    name: str
    script_location: str  # the directory holding env.py and versions/, relative to the root
    url_variable: str  # the environment variable its env.py reads the URL from
    dialects: tuple[str, ...]
    head: str
    lowest: str  # as far down as Alembic goes (``base`` unless a file has no downgrade())
    midpoint: str  # Alembic stops here in the adoption tests; distil takes over
    version_table: str = "alembic_version"  # as env.py configures it
    schemas: tuple[str, ...] = ()  # schemas besides the default one that the history fills

    @property
    def source(self) -> Path:
        return PROJECTS_DIR / self.name

    def copy_to(self, directory: Path) -> Path:
        """A fresh copy of the project (alembic.ini, env.py, versions/) in ``directory``."""
        target = directory / self.name
        shutil.copytree(self.source, target, ignore=shutil.ignore_patterns("__pycache__"))
        return target


PROJECTS: dict[str, AlembicProject] = {
    project.name: project
    for project in (
        # render_as_batch, typed headers, a branch with a label, depends_on and a merge
        AlembicProject(
            name="notes",
            script_location="migrations",
            url_variable="NOTES_DATABASE_URL",
            dialects=("sqlite", "postgresql"),
            head="1c2d3e4f5a36",
            lowest=BASE,
            midpoint="2f3e4d5c6b72",
        ),
        # PostgreSQL enums, autocommit blocks, concurrent indexes, a labelled branch, views
        AlembicProject(
            name="billing",
            script_location="alembic",
            url_variable="DATABASE_URL",
            dialects=("postgresql",),
            head="e7f8091a2b3c",
            lowest=BASE,
            midpoint="5e6f708192a3",
        ),
        # old-style headers, a first revision without downgrade(), dialect branches
        AlembicProject(
            name="inventory",
            script_location="migrations",
            url_variable="INVENTORY_DB",
            dialects=("mariadb", "postgresql"),
            head="7b8c9d0e1f2a",
            lowest="a1b2c3d4e5f6",
            midpoint="e5f6a7b8c9d0",
        ),
        # a models module, include_object, include_schemas and a custom version table in env.py
        AlembicProject(
            name="accounts",
            script_location="migrations",
            url_variable="ACCOUNTS_DATABASE_URL",
            dialects=("postgresql",),
            head="8d4b3f6e0a54",
            lowest=BASE,
            midpoint="6b2f1d4c8e32",
            version_table="accounts_version",
            schemas=("audit",),
        ),
    )
}

CASES: list[tuple[str, str]] = [
    (project.name, dialect) for project in PROJECTS.values() for dialect in project.dialects
]


# --------------------------------------------------------------------------- running the tools


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 180) -> CliResult:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DISTIL_")}
    environment.update(env)
    completed = subprocess.run(
        command,
        cwd=cwd,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


def run_alembic(project: AlembicProject, root: Path, url: str, *args: str) -> CliResult:
    """``alembic -c alembic.ini *args`` in ``root``, its env.py pointed at ``url``."""
    return _run(
        [sys.executable, "-m", "alembic", "-c", "alembic.ini", *args],
        root,
        {project.url_variable: url},
    )


def alembic_heads_applied(project: AlembicProject, url: str) -> set[str]:
    """The revisions Alembic's version table holds."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(f"SELECT version_num FROM {project.version_table}")
            return {row[0] for row in rows}
    finally:
        engine.dispose()


_BLOCKER = textwrap.dedent(
    '''
    """Make the installed alembic package unimportable in this process and its children."""
    import importlib.abc
    import os
    import sys

    _BLOCKED = os.environ["DISTIL_TEST_BLOCKED_ALEMBIC"]


    class _RefuseInstalledAlembic(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name != "alembic" and not name.startswith("alembic."):
                return None
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is None:
                    continue
                origin = spec.origin or ""
                locations = list(spec.submodule_search_locations or ())
                if any(p.startswith(_BLOCKED) for p in [origin, *locations]):
                    raise ModuleNotFoundError(
                        f"No module named {name!r} (the installed Alembic is blocked)", name=name
                    )
                return None
            return None


    sys.meta_path.insert(0, _RefuseInstalledAlembic())
    '''
)


def installed_alembic_directory() -> str:
    spec = importlib.util.find_spec("alembic")
    assert spec is not None and spec.submodule_search_locations, "Alembic is a dev dependency"
    return str(Path(next(iter(spec.submodule_search_locations))).resolve())


def blocker_environment(directory: Path) -> dict[str, str]:
    """Environment variables that make the installed ``alembic`` unimportable."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sitecustomize.py").write_text(_BLOCKER, encoding="utf-8")
    python_path = [
        str(directory),
        *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep)),
    ]
    return {
        "PYTHONPATH": os.pathsep.join(python_path),
        "DISTIL_TEST_BLOCKED_ALEMBIC": installed_alembic_directory(),
    }


def write_distil_config(project: AlembicProject, root: Path, url: str, extra: str = "") -> Path:
    """A ``distil.toml`` next to ``alembic.ini`` pointing at the same versions directory."""
    path = root / "distil.toml"
    path.write_text(
        f"script_location = {json.dumps(project.script_location)}\n"
        f"url = {json.dumps(url)}\n{extra}",
        encoding="utf-8",
    )
    return path


def switch_to_distil(
    project: AlembicProject, root: Path, url: str, blocker: dict[str, str], extra: str = ""
) -> dict[str, str]:
    """``distil init --from-alembic`` in ``root`` (plus ``extra`` lines in the written
    ``distil.toml``); returns the environment distil then runs with: Alembic blocked and the
    variable env.py reads the URL from set to ``url``."""
    environment = {**blocker, project.url_variable: url}
    result = run_distil(root, environment, "init", "--from-alembic")
    assert result.code == 0, result
    config = root / "distil.toml"
    text = config.read_text(encoding="utf-8")
    assert f"${{{project.url_variable}}}" in text, text
    config.write_text(text + extra, encoding="utf-8")
    return environment


def run_distil(root: Path, blocker: dict[str, str], *args: str) -> CliResult:
    """``python -m distil *args`` in ``root`` with Alembic unimportable."""
    return _run([sys.executable, "-m", "distil", *args], root, blocker)


# --------------------------------------------------------------------------- snapshots

_OWN_TABLES = re.compile(r"^(alembic_version|accounts_version|distil_.*)$")


def _spaces(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    return " ".join(text.split())


def _plain(value: Any) -> Any:
    """A value made comparable and sortable: reflected types as their compiled text."""
    if isinstance(value, sa.types.TypeEngine):
        return repr(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "text") and isinstance(value.text, str):
        return _spaces(value.text)
    return _spaces(value)


def _index_options(index: dict[str, Any]) -> dict[str, Any]:
    options = index.get("dialect_options", {})
    kept = ("postgresql_where", "postgresql_using", "sqlite_where", "mysql_length", "mysql_using")
    return {key: _plain(options[key]) for key in kept if key in options}


def _sort(items: list[Any]) -> list[Any]:
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, default=str))


def _tables(inspector: Any, schemas: tuple[str, ...]) -> list[tuple[str | None, str]]:
    """(schema, table) of every table but the tools' own, default schema first."""
    found = []
    for schema in (None, *schemas):
        if schema is not None and schema not in inspector.get_schema_names():
            continue
        names = inspector.get_table_names(schema=schema)
        found.extend((schema, name) for name in sorted(names) if not _OWN_TABLES.match(name))
    return found


def schema_snapshot(url: str, schemas: tuple[str, ...] = ()) -> dict[str, Any]:
    """Everything reflectable about the database's default schema (and ``schemas``), names of
    constraints aside."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            inspector = sa.inspect(connection)
            snapshot: dict[str, Any] = {
                "tables": {},
                "schemas": sorted(name for name in inspector.get_schema_names() if name in schemas),
            }
            for schema, table in _tables(inspector, schemas):
                columns = {
                    column["name"]: {
                        "type": column["type"].compile(dialect=engine.dialect),
                        "nullable": column["nullable"],
                        "default": _spaces(column.get("default")),
                        "comment": column.get("comment"),
                        "identity": _plain(column.get("identity")),
                    }
                    for column in inspector.get_columns(table, schema=schema)
                }
                primary_key = inspector.get_pk_constraint(table, schema=schema)
                foreign_keys = [
                    {
                        "columns": fk["constrained_columns"],
                        "table": (fk["referred_schema"], fk["referred_table"]),
                        "referred": fk["referred_columns"],
                        "options": {
                            k: v.upper() if isinstance(v, str) else v
                            for k, v in sorted(fk.get("options", {}).items())
                        },
                    }
                    for fk in inspector.get_foreign_keys(table, schema=schema)
                ]
                uniques = [
                    sorted(u["column_names"])
                    for u in inspector.get_unique_constraints(table, schema=schema)
                ]
                indexes = [
                    {
                        "columns": index["column_names"],
                        "expressions": _plain(index.get("expressions")),
                        "unique": bool(index["unique"]),
                        "options": _index_options(index),
                    }
                    for index in inspector.get_indexes(table, schema=schema)
                ]
                try:
                    checks = [
                        _spaces(c["sqltext"])
                        for c in inspector.get_check_constraints(table, schema=schema)
                    ]
                except NotImplementedError:
                    checks = []
                try:
                    comment = inspector.get_table_comment(table, schema=schema).get("text")
                except NotImplementedError:
                    comment = None
                snapshot["tables"][f"{schema or ''}.{table}"] = {
                    "columns": columns,
                    "primary_key": primary_key["constrained_columns"],
                    "foreign_keys": _sort(foreign_keys),
                    "uniques": _sort(uniques),
                    "indexes": _sort(indexes),
                    "checks": sorted(checks),
                    "comment": comment,
                }
            snapshot["views"] = {
                view: _spaces(inspector.get_view_definition(view))
                for view in sorted(inspector.get_view_names())
            }
            if engine.dialect.name == "postgresql":
                snapshot["enums"] = _sort(
                    [{"name": e["name"], "labels": e["labels"]} for e in inspector.get_enums()]
                )
                snapshot["sequences"] = sorted(inspector.get_sequence_names())
            return snapshot
    finally:
        engine.dispose()


def _row_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)


def data_snapshot(url: str, schemas: tuple[str, ...] = ()) -> dict[str, list[list[Any]]]:
    """Every row of every table, sorted; columns filled by the clock (date-times) left out."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            inspector = sa.inspect(connection)
            quote = engine.dialect.identifier_preparer.quote
            rows: dict[str, list[list[Any]]] = {}
            for schema, table in _tables(inspector, schemas):
                names = [
                    c["name"]
                    for c in inspector.get_columns(table, schema=schema)
                    if not isinstance(c["type"], sa.DateTime)
                ]
                if not names:
                    continue
                table_sql = f"{quote(schema)}.{quote(table)}" if schema else quote(table)
                columns = ", ".join(quote(name) for name in sorted(names))
                result = connection.exec_driver_sql(f"SELECT {columns} FROM {table_sql}")
                rows[f"{schema or ''}.{table}"] = sorted(
                    ([_row_value(v) for v in row] for row in result),
                    key=lambda row: json.dumps(row, default=str),
                )
            return rows
    finally:
        engine.dispose()


def database_snapshot(url: str, schemas: tuple[str, ...] = ()) -> dict[str, Any]:
    """Schema and rows together, for one equality assertion."""
    return {"schema": schema_snapshot(url, schemas), "rows": data_snapshot(url, schemas)}
