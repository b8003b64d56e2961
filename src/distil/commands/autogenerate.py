"""``revision --autogenerate`` and ``check``: compare the models with the live database.

The target is the models built in a scratch database and reflected back (cached by DDL hash);
the current schema is the live database, reflected in bulk. A generated migration is proven
before it is written (``commands.proof``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distil.errors import ConfigError, GraphError

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.commands.proof import Proof
    from distil.config import Config
    from distil.diff.changes import Change
    from distil.diff.plan import MigrationPlan
    from distil.diff.questions import Questioner
    from distil.schema.model import Schema


@dataclass(frozen=True)
class Comparison:
    plan: MigrationPlan
    current: Schema
    target: Schema
    metadata: Any  # the models' MetaData
    live_types: dict[Any, Any]
    dialect: Any
    # what ``distil check`` keys its cached verdict on: the catalog fingerprint taken before the
    # live schema was read, the schemas compared, and the files the models were made of
    fingerprint: str | None = None
    schemas: tuple[str | None, ...] = ()
    model_files: tuple[Path, ...] | None = None
    # model tables built in a scratch database for this comparison, and model tables in all
    target_built: tuple[int, int] = (0, 0)

    @property
    def changes(self) -> tuple[Change, ...]:
        return self.plan.upgrade

    @property
    def summary(self) -> tuple[str, ...]:
        return self.plan.summary


@dataclass(frozen=True)
class AutogenerateResult:
    comparison: Comparison
    path: Path | None  # None when nothing differed and no empty file was asked for
    verified: bool
    # differences between the replayed history and the live database that the new migration
    # does not touch: the proof went on without them
    ignored_drift: tuple[str, ...] = ()
    proof: Proof | None = None


def compare_models(
    config: Config,
    *,
    engine: sa.Engine | None = None,
    questioner: Questioner | None = None,
    reuse_live_snapshot: bool = False,
    for_rendering: bool = False,
) -> Comparison:
    """Diff the configured models against the live database (at head).

    With ``reuse_live_snapshot`` (``distil check``), the live schema's snapshot is reused while
    the database's catalog fingerprint is unchanged; the result then carries no reflected type
    objects, so it can be compared but not rendered. ``for_rendering`` (autogenerate) reuses the
    snapshot too, and then reflects the tables the plan touches again for their type objects.

    Without a questioner nothing is asked: renames stay drop + add (flagged), a new NOT NULL
    column without a value, a drop of data and a narrowing type change of a column that holds
    values stay unanswered in the plan (``plan.questions``)
    — the right answers for ``distil check``; ``autogenerate`` refuses such a plan.
    """
    from distil.commands.cache import kept_identity
    from distil.dialects.registry import create_engine
    from distil.diff.plan import plan_migration
    from distil.diff.questions import NonInteractive
    from distil.heap import many_objects
    from distil.introspect.normalize import model_schemas, target_schema
    from distil.introspect.reflect import reflect_schema
    from distil.introspect.scope import Scope, bookkeeping_tables
    from distil.models_loader import load_metadata_and_sources

    if not config.models:
        raise ConfigError(
            f'autogenerate needs the models: add models = "app.models:Base.metadata" to '
            f"{config.path or 'the config'} (MODULE:ATTR of your MetaData or declarative Base)."
        )
    metadata, model_files = load_metadata_and_sources(config.models, config.root)
    url = config.require_url()
    scope = Scope.from_config(config)
    schemas = model_schemas(metadata, config.schemas)
    owned = engine is None
    if engine is None:
        engine, _ = create_engine(
            url, for_migration=False, keep_connection=True, share_statements=True
        )
    live_types: dict[Any, Any] = {}
    fingerprint = None
    # an include_object hook is shown the live tables with their types: reflect them all then
    reuse = reuse_live_snapshot or (for_rendering and scope.include_object is None)
    reflected = False
    try:
        with engine.connect() as conn:
            _require_head(config, conn)
            dialect = conn.dialect
            schemas = _schemas_in_scope(scope, conn, schemas)
        # the target first: a throwaway scratch database it was built in is dropped on a thread
        # while the live database is read (see dialects.scratch)
        built: dict[str, int] = {}
        target = target_schema(
            metadata,
            url,
            dialect=dialect,
            dev_url=config.require_dev_url(),
            schemas=schemas,
            cache_dir=config.script_location / "__pycache__",
            stats=built,
            kept=(kept_identity(config), config.script_location / "__pycache__")
            if config.keep_scratch
            else None,
        )
        # the live snapshot: a dozen objects per column, made with the collector paused
        with engine.connect() as conn, many_objects():
            current = None
            if reuse:
                cache = LiveSnapshotCache(config, conn, schemas)
                fingerprint = cache.fingerprint
                current = cache.load()
            if current is None:
                current = reflect_schema(
                    conn, schemas, ignore_tables=bookkeeping_tables(config), types=live_types
                )
                reflected = True
                if reuse:
                    cache.store(current)
        current, target = _apply_scope(scope, current, target, metadata, live_types)
        plan = plan_migration(
            current,
            target,
            questioner or NonInteractive(),
            live=LiveRows(engine),
            model_defaults=constant_defaults(metadata, dialect),
            model_suggestions=callable_defaults(metadata),
        )
        if for_rendering and not reflected and plan.upgrade:
            with engine.connect() as conn:
                reflect_schema(
                    conn,
                    schemas,
                    ignore_tables=bookkeeping_tables(config),
                    types=live_types,
                    only=touched_tables(plan.upgrade, current, target),
                )
    finally:
        if owned:
            engine.dispose()
    if model_files is not None:  # an edited filter function makes a stored verdict stale too
        model_files = tuple(sorted({*model_files, *scope.source_files()}))
    return Comparison(
        plan,
        current,
        target,
        metadata,
        live_types,
        dialect,
        fingerprint,
        schemas,
        model_files,
        (built.get("built", 0), built.get("tables", 0)),
    )


def _schemas_in_scope(
    scope: Any, conn: sa.Connection, schemas: tuple[str | None, ...]
) -> tuple[str | None, ...]:
    """The schemas compared: the models' and the config's, and the live ones include_schemas
    selects (never the server's own nor the default one), minus those the scope leaves out."""
    if not (scope.include_schemas or scope.exclude_schemas or scope.include_name):
        return schemas
    live: list[str] = []
    if scope.include_schemas:
        import sqlalchemy as sa

        from distil.dialects.registry import impl_for

        system = impl_for(conn.dialect).system_schemas
        default = conn.dialect.default_schema_name
        live = [
            name
            for name in sa.inspect(conn).get_schema_names()
            if name not in system and name != default and not name.startswith("pg_")
        ]
    return scope.schemas_to_compare(schemas, live)  # type: ignore[no-any-return]


def _apply_scope(
    scope: Any, current: Schema, target: Schema, metadata: Any, live_types: dict[Any, Any]
) -> tuple[Schema, Schema]:
    """Both sides without what the models do not own (``introspect.scope``)."""
    live_objects = None
    if scope.include_object is not None:
        from distil.schema.to_metadata import schema_to_metadata

        try:
            live_objects = schema_to_metadata(current, live_types)
        except Exception:  # noqa: BLE001 - the hook then sees the name without the object
            live_objects = None
    return (
        scope.apply(current, reflected=True, objects=live_objects, other=metadata),
        scope.apply(target, reflected=False, objects=metadata, other=live_objects),
    )


def autogenerate(
    config: Config,
    message: str,
    *,
    rev_id: str | None = None,
    allow_empty: bool = False,
    verify: bool = True,
    engine: sa.Engine | None = None,
    questioner: Questioner | None = None,
) -> AutogenerateResult:
    from distil.scripts.directory import ScriptDirectory

    comparison = compare_models(config, engine=engine, questioner=questioner, for_rendering=True)
    refusal = comparison.plan.refusal()
    if refusal is not None:
        raise refusal
    if not comparison.changes and not allow_empty:
        return AutogenerateResult(comparison, None, False)
    upgrade_body, downgrade_body, imports = render_bodies(comparison)
    directory = ScriptDirectory.from_config(config)
    heads = directory.graph().heads()
    proof = None
    if verify and comparison.changes:
        from distil.commands.proof import prove

        proof = prove(config, comparison, message, heads, upgrade_body, downgrade_body, imports)
    path = directory.write_script(
        message=message,
        down_revisions=heads,
        rev_id=rev_id,
        upgrade_body=upgrade_body,
        downgrade_body=downgrade_body,
        extra_imports=imports,
    )
    from distil.scripts.hooks import run_post_write_hooks

    run_post_write_hooks(config.post_write_hooks, path, config.root)
    return AutogenerateResult(
        comparison,
        path,
        proof is not None,
        proof.ignored_drift if proof is not None else (),
        proof,
    )


class LiveRows:
    """Counts rows and values in the live database, once each, when the plan asks."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.counted: dict[tuple[Any, ...], int | None] = {}

    def rows(self, table: tuple[str | None, str]) -> int | None:
        return self._count(table, None)

    def values(self, table: tuple[str | None, str], column: str) -> int | None:
        return self._count(table, column)

    def _count(self, table: tuple[str | None, str], column: str | None) -> int | None:
        import sqlalchemy as sa

        key = (*table, column)
        if key not in self.counted:
            what = sa.func.count(sa.column(column)) if column else sa.func.count()
            query = sa.select(what).select_from(sa.table(table[1], schema=table[0]))
            try:
                with self.engine.connect() as conn:
                    self.counted[key] = int(conn.execute(query).scalar() or 0)
            except sa.exc.DBAPIError:
                self.counted[key] = None  # unknown: decide as if the table held rows
        return self.counted[key]


def constant_defaults(metadata: Any, dialect: Any) -> dict[tuple[str | None, str, str], str]:
    """The SQL literal of every column's constant Python-side ``default=`` (not a callable, not
    a SQL expression), by (schema, table, column): what existing rows of a new NOT NULL column
    get, as Django does."""
    import enum

    import sqlalchemy as sa

    from distil.diff.questions import fill_literal
    from distil.errors import UsageError
    from distil.schema.model import Column

    found: dict[tuple[str | None, str, str], str] = {}
    for table in metadata.tables.values():
        for column in table.columns:
            default = column.default
            if not isinstance(default, sa.ColumnDefault) or not default.is_scalar:
                continue
            value = default.arg
            if isinstance(value, enum.Enum):
                value = value.name
            if value is None:
                continue
            text = value.isoformat() if hasattr(value, "isoformat") else str(value)
            try:
                type_string = str(column.type.compile(dialect=dialect)).upper()
                literal = fill_literal(Column(column.name, type_string, False), text, "default=")
            except (UsageError, sa.exc.CompileError):
                continue
            found[(table.schema, table.name, column.name)] = literal
    return found


def callable_defaults(metadata: Any) -> dict[tuple[str | None, str, str], str]:
    """What each column's callable Python-side ``default=`` that takes no context gives now
    (``datetime.now`` → its ISO text), by (schema, table, column): offered, never taken as is."""
    import datetime

    import sqlalchemy as sa

    found: dict[tuple[str | None, str, str], str] = {}
    for table in metadata.tables.values():
        for column in table.columns:
            default = column.default
            if not isinstance(default, sa.ColumnDefault) or not default.is_callable:
                continue
            try:
                value = default.arg(None)  # SQLAlchemy wraps a no-argument function this way
            except Exception:  # noqa: BLE001 - a default that needs its context is not offered
                continue
            if value is None or isinstance(value, sa.sql.ClauseElement):
                continue
            if isinstance(value, datetime.datetime):
                text = value.isoformat(sep=" ")
            else:
                text = value.isoformat() if hasattr(value, "isoformat") else str(value)
            found[(table.schema, table.name, column.name)] = text
    return found


def render_bodies(comparison: Comparison) -> tuple[str, str, tuple[str, ...]]:
    from distil.diff import changes as ch
    from distil.schema.model import Schema
    from distil.schema.to_metadata import schema_to_metadata
    from distil.scripts.render import Renderer, Side

    plan = comparison.plan
    # only the tables the migration touches are rendered from the live side
    keys = touched_tables(plan.upgrade, comparison.current, comparison.target)
    involved = comparison.current
    if keys is not None:
        involved = Schema(tables=tuple(t for t in comparison.current.tables if t.key in keys))
    live = Side(comparison.current, schema_to_metadata(involved, comparison.live_types))
    models = Side(comparison.target, comparison.metadata, deterministic_names=True)
    up = Renderer(
        live,
        models,
        comparison.dialect,
        renames=plan.renames,
        candidates=plan.candidates,
        intended=plan.intended,
    )
    upgrade_body = up.render(plan.upgrade)
    # Undoing the upgrade drops what it created: that is the point of a downgrade, so those
    # drops are marked as intended. A narrowing type change back is not: the guard checks it.
    undo_drops = [c for c in plan.downgrade if isinstance(c, (ch.DropTable, ch.DropColumn))]
    down = Renderer(
        models, live, comparison.dialect, renames=plan.renames.inverted(), intended=undo_drops
    )
    downgrade_body = down.render(plan.downgrade)
    imports = tuple(sorted(up.imports.lines | down.imports.lines))
    return upgrade_body, downgrade_body, imports


def touched_tables(
    changes: Iterable[Change], *snapshots: Schema
) -> set[tuple[str | None, str]] | None:
    """The tables ``changes`` touch, and those of ``snapshots`` whose foreign keys point at one
    of them (a dropped or rebuilt table can take such a key with it); None (every table) when a
    change is not about one table (an enum type or a schema: its columns are anywhere)."""
    from distil.diff import changes as ch

    touched: set[tuple[str | None, str]] = set()
    for change in changes:
        if isinstance(change, (ch.AddTable, ch.DropTable)):
            touched.add(change.table.key)
        elif isinstance(change, ch.RenameTable):
            touched |= {change.old, change.new}
        elif isinstance(getattr(change, "table", None), tuple):
            touched.add(change.table)  # type: ignore[attr-defined]
        else:
            return None
    neighbours = set()
    for snapshot in snapshots:
        for table in snapshot.tables:
            for fk in table.foreign_keys:
                if (fk.ref_schema, fk.ref_table) in touched:
                    neighbours.add(table.key)
    return touched | neighbours


def _require_head(config: Config, conn: sa.Connection) -> None:
    """Autogenerate compares against a database that has every migration applied."""
    from distil.runtime.adoption import pending_adoption
    from distil.runtime.version_table import VersionTable
    from distil.scripts.directory import ScriptDirectory

    graph = ScriptDirectory.from_config(config).graph()
    applied = {
        row.revision
        for row in VersionTable(config.version_table, config.version_table_schema).read(conn)
    }
    adoption = pending_adoption(conn, config, graph, applied)
    if adoption is not None:
        applied = set(adoption.revisions)  # Alembic's table, not taken over yet
    pending = [r for r in graph.topological() if r not in applied]
    if pending == list(graph.heads()[:1]) and len(graph.heads()) == 1:
        raise GraphError(
            f"the database is not up to date: the newest migration {pending[0]} is not applied. "
            "To regenerate that migration from the models (e.g. with --rename answers), add "
            "--amend; to build a new one on top of it, run `distil upgrade head` first."
        )
    if pending:
        raise GraphError(
            f"the database is not up to date: {len(pending)} migration(s) are not applied "
            f"({', '.join(pending[:5])}{'…' if len(pending) > 5 else ''}). Run `distil upgrade head` "
            f"first, so the new migration builds on the latest one."
        )


class LiveSnapshotCache:
    """The last reflected snapshot of one live database, valid while its fingerprint holds."""

    def __init__(
        self, config: Config, conn: sa.Connection, schemas: tuple[str | None, ...]
    ) -> None:
        import hashlib

        from distil.config import mask_url
        from distil.dialects.fingerprint import schema_fingerprint
        from distil.introspect.normalize import CACHE_VERSION

        where = "|".join(
            [CACHE_VERSION, mask_url(config.require_url()), repr(schemas), config.version_table]
        )
        self.prefix = f"live-{hashlib.sha256(where.encode()).hexdigest()[:16]}-"
        self.directory = config.script_location / "__pycache__"
        self.fingerprint = schema_fingerprint(conn, schemas)

    @property
    def path(self) -> Path | None:
        if self.fingerprint is None:
            return None
        return self.directory / f"{self.prefix}{self.fingerprint[:32]}.pickle"

    def load(self) -> Schema | None:
        """The snapshot, a pickle distil wrote itself in the project's ``__pycache__`` (as the
        target's cache is: reading 10,000 tables from JSON costs ten times as long)."""
        import pickle

        from distil.schema.model import Schema

        path = self.path
        if path is None or not path.exists():
            return None
        try:
            loaded = pickle.loads(path.read_bytes())
        except Exception:  # noqa: BLE001 - a damaged or foreign cache: reflect again
            return None
        return loaded if isinstance(loaded, Schema) else None

    def store(self, schema: Schema) -> None:
        import pickle

        from distil.caches import write_cache_bytes

        path = self.path
        if path is None:
            return
        for stale in self.directory.glob(f"{self.prefix}*"):  # and those of older formats
            if stale.suffix in (".json", ".pickle"):
                stale.unlink(missing_ok=True)
        write_cache_bytes(path, pickle.dumps(schema, protocol=pickle.HIGHEST_PROTOCOL))
