"""The proof of a generated migration: it is run on a scratch database at the history's head
before it is written, and compared by reflection. Its upgrade must reach the models and its
downgrade must return to the live schema; otherwise nothing is written.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distil.commands.autogenerate import _apply_scope, touched_tables
from distil.errors import GraphError, MigrationFailed
from distil.runtime.context import MigrationContext

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.commands.autogenerate import Comparison
    from distil.config import Config
    from distil.diff.changes import Change
    from distil.schema.model import Schema

TRIAL_REVISION = "distil_verify"  # the new migration's id on the scratch database
# a migration that touches more tables is not tried in one transaction: its upgrade and downgrade
# together could hold more locks than PostgreSQL's lock table has room for
TRIAL_TABLES = 100


@dataclass(frozen=True)
class Proof:
    """How a proof went: the drift it ignored, how many migrations of the history it ran to
    bring its scratch database to the head, and whether that database was kept from a run
    before (then only the migrations new since that run are run)."""

    ignored_drift: tuple[str, ...]
    history_run: int
    kept: bool


def prove(
    config: Config,
    comparison: Comparison,
    message: str,
    heads: tuple[str, ...],
    upgrade_body: str,
    downgrade_body: str,
    imports: tuple[str, ...],
) -> Proof:
    """Run the new migration on a scratch database at the history's head and compare by
    reflection: its upgrade must reach the models, its downgrade the live schema.

    The scratch database is kept between runs (``dialects.scratch.kept_scratch``) at the head of
    the history, so a proof runs only the migrations that are new since the last one, not the
    whole history; a history whose applied files changed is replayed afresh. The snapshot of that
    head is kept too (keyed by the scratch database's catalog fingerprint), and after the new
    migration only the tables it touches (and those whose foreign keys point at them) are
    reflected again.

    Where the history and the live database differ in objects the new migration does not touch,
    the proof leaves those objects out and returns the differences it ignored.
    """
    from distil.commands.cache import PROOF, kept_identity
    from distil.dialects.scratch import kept_scratch
    from distil.diff.api import compare as compare_all
    from distil.introspect.normalize import model_schemas, require_scratch_schemas
    from distil.scripts.directory import ScriptDirectory

    schemas = comparison.schemas or model_schemas(comparison.metadata, config.schemas)
    ignored: list[str] = []
    require_scratch_schemas(config.require_url(), comparison.metadata)
    workdir = Path(tempfile.mkdtemp(prefix="distil-verify-"))
    try:
        # the new migration alone in a directory of its own, read beside the real ones (whose
        # header caches stay valid)
        verify_dir = workdir / "versions"
        verify_dir.mkdir()
        locations = tuple(config.version_locations) or (config.versions_dir,)
        ScriptDirectory(verify_dir, extra_dirs=locations).write_script(
            message=message,
            down_revisions=heads,
            rev_id=TRIAL_REVISION,
            upgrade_body=upgrade_body,
            downgrade_body=downgrade_body,
            extra_imports=imports,
            durable=False,  # a temporary directory, removed after the proof
        )
        trial = dataclasses.replace(
            config, versions_dir=verify_dir, version_locations=(verify_dir, *locations)
        )
        with kept_scratch(
            config.require_url(),
            dev_url=config.require_dev_url(),
            purpose=PROOF,
            identity=kept_identity(config),
            directory=config.script_location / "__pycache__",
            keep=config.keep_scratch,
        ) as scratch:
            head = _HeadScratch(config, trial, scratch, comparison, schemas)
            replayed = head.at_head(heads)
            outside = _empty_schemas_outside_history(comparison.current, replayed)
            if outside:
                _create_schemas(scratch.engine, outside)
                replayed = head.reflect(replayed, set())
            touched: set[str] = set()
            for change in comparison.changes:
                touched |= changed_objects(change)
            drift = []
            untouched: set[str] = set()
            for change in compare_all(comparison.current, replayed):
                objects = changed_objects(change)
                if objects and not objects & touched:
                    untouched |= objects
                    ignored.append(change.summary())
                else:
                    drift.append(change)

            def compare(before: Schema, after: Schema) -> list[Change]:
                """Differences, without those in objects whose drift the proof ignores."""
                return [
                    c
                    for c in compare_all(before, after)
                    if not (changed_objects(c) and changed_objects(c) <= untouched)
                ]

            if drift:
                raise GraphError(
                    "could not prove the new migration: the migration history does not reproduce the "
                    "live database (" + "; ".join(c.summary() for c in drift[:5]) + "). Bring them "
                    "in line first, or skip the proof with --no-verify."
                )
            tables = touched_tables(
                comparison.changes, replayed, comparison.target, comparison.current
            )
            outcome = head.trial_rolled_back(replayed, tables)
            if outcome is not None and not (
                compare(outcome[0], comparison.target) or compare(comparison.current, outcome[1])
            ):
                return Proof(tuple(ignored), head.history_run, head.reused)
            # the trial failed, could not run in one transaction or gave a wrong verdict: the
            # migration runs as `distil upgrade` runs it, which says what is wrong
            head.mark_busy()
            try:
                head.run("upgrade", TRIAL_REVISION)
            except Exception as error:  # noqa: BLE001
                raise MigrationFailed(
                    f"the generated upgrade() fails on a scratch database: {error}. No file was "
                    f"written; please report this with your models, or use --no-verify and edit."
                ) from None
            left = compare(head.reflect(replayed, tables), comparison.target)
            if left:
                raise MigrationFailed(
                    "the generated upgrade() does not reach the models; still different: "
                    + "; ".join(c.summary() for c in left[:10])
                    + ". No file was written (use --no-verify to write it anyway and edit it)."
                )
            try:
                head.run("downgrade", "-1")
            except Exception as error:  # noqa: BLE001
                raise MigrationFailed(
                    f"the generated downgrade() fails on a scratch database: {error}. No file was "
                    f"written (use --no-verify to write it anyway and edit it)."
                ) from None
            returned = head.reflect(replayed, tables)
            back = compare(comparison.current, returned)
            if back:
                raise MigrationFailed(
                    "the generated downgrade() does not return to the current schema; different: "
                    + "; ".join(c.summary() for c in back[:10])
                    + ". No file was written (use --no-verify to write it anyway and edit it)."
                )
            head.mark_ready(returned)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return Proof(tuple(ignored), head.history_run, head.reused)


class _HeadScratch:
    """The proof's scratch database brought to the history's head, and its snapshot there.

    Its state (kept in it) is ``ready`` only between runs that finished: before anything changes
    it, it is marked ``busy``, so a run that dies half way makes the next one start afresh."""

    def __init__(
        self,
        config: Config,
        trial: Config,
        scratch: Any,
        comparison: Comparison,
        schemas: tuple[str | None, ...],
    ) -> None:
        from distil.introspect.scope import Scope

        self.config = config
        self.trial = trial
        self.scratch = scratch
        self.comparison = comparison
        self.schemas = schemas
        self.scope = Scope.from_config(config)
        self.cache_dir = config.script_location / "__pycache__"
        self.loaded: Schema | None = None  # the snapshot read from the cache
        self.history_run = 0  # migrations of the history run to reach the head
        self.reused = False  # whether an earlier run's database was brought up to date
        self.busy = False  # marked busy by this run: changed since it was last known
        self._rows: list[Any] | None = None  # its version table, as last read

    def at_head(self, heads: tuple[str, ...]) -> Schema:
        """Bring the scratch database to ``heads`` and return its snapshot: from where the last
        run left it when that history still holds, otherwise replayed from the start."""
        scratch = self.scratch
        holds, complete = self._history_holds() if scratch.state() == "ready" else (False, False)
        if not holds:
            self._reset()
        if complete:  # every migration of the history is applied there already
            self.reused = True
        elif not scratch.fresh:
            try:
                self.mark_busy()
                for head in heads:
                    self.history_run += self.run("upgrade", head)
                self.reused = True
            except Exception:  # noqa: BLE001 - what an earlier run left does not fit: start afresh
                self._reset()
                self.history_run = 0
        if scratch.fresh:
            self.mark_busy()
            try:
                for head in heads:
                    self.history_run += self.run("upgrade", head)
            except Exception as error:  # noqa: BLE001 - any failure means the proof is impossible
                raise MigrationFailed(
                    f"could not prove the new migration: replaying the existing history on a "
                    f"scratch database failed ({error}). Fix the history, or skip the proof with "
                    f"--no-verify."
                ) from None
        from distil.schema.model import Schema

        cached = self._cached_snapshot()
        return cached if cached is not None else self.reflect(Schema(), None)

    def _history_holds(self) -> tuple[bool, bool]:
        """Whether every revision the scratch database has applied is still in the history as
        it ran there, and whether it has applied the whole history."""
        from distil.scripts.directory import ScriptDirectory

        graph = ScriptDirectory.from_config(self.config).graph()
        applied = self._applied()
        if applied is None:
            return False, False
        revisions = graph.revisions
        holds = all(
            row.revision in revisions and revisions[row.revision].matches(row.checksum or "")
            for row in applied
        )
        return holds, holds and {row.revision for row in applied} == set(revisions)

    def _reset(self) -> None:
        self.scratch.reset()
        self._rows = None

    def _applied(self) -> list[Any] | None:
        """The version table's rows in the scratch database (None: unreadable), read once until
        something runs there."""
        import sqlalchemy as sa

        from distil.runtime.version_table import VersionTable

        if self._rows is None:
            table = VersionTable(self.config.version_table, self.config.version_table_schema)
            try:
                with self.scratch.engine.connect() as conn:
                    self._rows = list(table.read(conn))
            except sa.exc.DBAPIError:
                return None
        return self._rows

    def run(self, direction: str, target: str) -> int:
        """Migrate the scratch database; returns how many migrations ran."""
        self._rows = None
        from distil.commands.migrate import downgrade, upgrade
        from distil.dialects.scratch import run_in_pieces_if_too_big

        step = upgrade if direction == "upgrade" else downgrade
        results: list[Any] = []

        def migrate(**options: Any) -> None:
            results.append(step(self.trial, target, **options))

        run_in_pieces_if_too_big(migrate, self.scratch.engine)
        return len(results[-1].steps) if results else 0

    def trial_rolled_back(
        self, base: Schema, tables: set[tuple[str | None, str]] | None
    ) -> tuple[Schema, Schema] | None:
        """Where DDL is transactional: the new migration's upgrade, a reflection, its downgrade
        and a reflection again, on one connection in one transaction that is rolled back; the
        two snapshots (``base`` with ``tables`` reflected again). Nothing of it is kept, so the
        database stays at the head whatever happens, also when this process is killed half way
        (the server rolls back the transaction of a connection that is gone), and no lock or
        version row is needed. None when the trial fails or a statement cannot run inside a
        transaction (an autocommit block), and without trying on a database whose DDL is not
        transactional or for a migration of many tables (``TRIAL_TABLES``): the caller then runs
        the migration as `distil upgrade` does, for the verdict and its message."""
        from distil import op
        from distil.dialects.registry import prepare_engine
        from distil.scripts.directory import ScriptDirectory

        engine = self.scratch.engine
        impl = prepare_engine(engine)
        if not impl.supports_transactional_ddl or tables is None or len(tables) > TRIAL_TABLES:
            return None
        self.settle(base)  # at the head now, and whatever the trial does is not kept
        directory = ScriptDirectory.from_config(self.trial)
        header = directory.graph().get(TRIAL_REVISION)
        with engine.connect() as conn:
            conn.begin()
            ctx = _TrialContext(impl, conn)
            try:
                with op.activate(ctx):
                    directory.check_loadable([(header, "up"), (header, "down")])
                snapshots = []
                for direction in ("up", "down"):
                    function = directory.migration_function(header, direction)
                    ctx.revision = header.revision
                    with op.activate(ctx):
                        function()
                    impl.after_migration(ctx)
                    snapshots.append(self.reflect(base, tables, conn))
                return snapshots[0], snapshots[1]
            except Exception:  # noqa: BLE001 - the runner's run says what is wrong
                return None
            finally:
                conn.rollback()

    def settle(self, snapshot: Schema) -> None:
        """Record that the database is at the head, as ``snapshot``."""
        if self.busy:
            self.mark_ready(snapshot)
        else:
            self._store_snapshot(snapshot)

    def mark_busy(self) -> None:
        self.scratch.set_state("busy")
        self.busy = True

    def mark_ready(self, snapshot: Schema) -> None:
        self._store_snapshot(snapshot)
        self.scratch.set_state("ready")
        self.busy = False

    def reflect(
        self,
        base: Schema,
        tables: set[tuple[str | None, str]] | None,
        conn: sa.Connection | None = None,
    ) -> Schema:
        """The scratch database's snapshot: whole, or ``base`` with ``tables`` reflected again
        (on ``conn`` when given, e.g. inside its open transaction)."""
        from contextlib import nullcontext

        from distil.introspect.reflect import reflect_schema
        from distil.introspect.scope import bookkeeping_tables
        from distil.schema.model import Schema

        types: dict[Any, Any] = {}
        with nullcontext(conn) if conn is not None else self.scratch.engine.connect() as using:
            found = reflect_schema(
                using,
                self.schemas,
                ignore_tables=bookkeeping_tables(self.config),
                types=types,
                only=tables,
            )
        found = _apply_scope(self.scope, found, Schema(), self.comparison.metadata, types)[0]
        if tables is None:
            return found
        kept = [t for t in base.tables if t.key not in tables]
        merged = sorted([*kept, *found.tables], key=lambda t: (t.schema or "", t.name))
        return Schema(tables=tuple(merged), enums=found.enums, schemas=found.schemas)

    def _snapshot_path(self) -> Path | None:
        """Where the snapshot of the scratch database at its applied revisions is kept: a
        database marked ``ready`` holds exactly what replaying those revisions builds."""
        import hashlib

        if not self.scratch.kept:
            return None
        applied = self._applied()
        if applied is None:
            return None
        rows = sorted((row.revision, row.checksum or "") for row in applied)
        where = hashlib.sha256(
            repr((self.config.require_url(), self.schemas, rows)).encode()
        ).hexdigest()[:32]
        return self.cache_dir / f"proof-head-{where}.json"

    def _cached_snapshot(self) -> Schema | None:
        import json

        from distil.schema.model import Schema

        path = self._snapshot_path()
        if path is None or not path.exists():
            return None
        try:
            self.loaded = Schema.from_json(json.loads(path.read_text()))
        except (ValueError, KeyError, TypeError):
            return None
        return self.loaded

    def _store_snapshot(self, snapshot: Schema) -> None:
        from distil.introspect.normalize import write_cache

        if snapshot == self.loaded:
            return
        path = self._snapshot_path()
        if path is None:
            return
        for stale in self.cache_dir.glob("proof-head-*.json"):
            stale.unlink(missing_ok=True)
        write_cache(path, snapshot)


def changed_objects(change: Change) -> set[str]:
    """What a change is about: ``table:SCHEMA.NAME``, ``enum:SCHEMA.NAME`` or ``schema:NAME``."""
    from distil.diff import changes as ch

    def table(key: Any) -> str:
        return f"table:{ch.show(key)}"

    if isinstance(change, (ch.AddTable, ch.DropTable)):
        return {table(change.table.key)}
    if isinstance(change, ch.RenameTable):
        return {table(change.old), table(change.new)}
    if isinstance(change, (ch.AddEnum, ch.DropEnum)):
        return {f"enum:{ch.show(change.enum.key)}"}
    if isinstance(change, (ch.AlterEnum, ch.RenameEnum)):
        return {f"enum:{ch.show(change.before.key)}", f"enum:{ch.show(change.after.key)}"}
    if isinstance(change, (ch.AddSchema, ch.DropSchema)):
        return {f"schema:{change.name}"}
    key = getattr(change, "table", None)
    if isinstance(key, tuple):
        return {table(key)}
    return set()


def _empty_schemas_outside_history(live: Schema, replayed: Schema) -> list[str]:
    """Schemas the live database has and the history never made, with nothing in them (a DBA
    made them; Alembic cannot): not drift. The proof makes them on the scratch database too."""
    used = {t.schema for t in live.tables} | {e.schema for e in live.enums}
    return [s for s in live.schemas if s not in replayed.schemas and s not in used]


def _create_schemas(engine: sa.Engine, names: list[str]) -> None:
    import sqlalchemy as sa

    with engine.begin() as conn:
        for name in names:
            conn.execute(sa.schema.CreateSchema(name, if_not_exists=True))


class _NeedsOwnTransactions(Exception):
    """The migration commits part of itself: it cannot be tried in one rolled-back transaction."""


class _TrialContext(MigrationContext):
    """The context of a trial in one rolled-back transaction: an autocommit block would commit
    what ran so far, so it stops the trial instead."""

    def autocommit_block(self) -> Any:
        raise _NeedsOwnTransactions
