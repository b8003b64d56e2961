"""The target schema: the models as the database itself would spell them.

The models are created in a scratch database of the live database's dialect in one transaction,
then reflected back, so types, defaults and implicit names come out exactly as reflection of the
live database does. Each table's result is cached by a hash of its compiled DDL (and of the
tables it references): an unchanged model costs one file read, and an edit rebuilds only the
tables it changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distil.introspect.creation_order import linear_create_order
from distil.schema.model import Schema, Table

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.dialects.base import DialectImpl

CACHE_VERSION = "4"
# tables rebuilt since the target's cache file was last written whole, kept beside it in a small
# file of their own: an edit of a few tables does not write every table's snapshot again
OVERLAY_LIMIT = 50
KEPT_PURPOSE = "target"  # the kept scratch database of small builds (PostgreSQL)


def model_schemas(metadata: sa.MetaData, extra: tuple[str, ...] = ()) -> tuple[str | None, ...]:
    """The default schema plus every schema the models name or the config adds."""
    named = sorted({t.schema for t in metadata.tables.values() if t.schema} | set(extra))
    return (None, *named)


def models_ddl(metadata: sa.MetaData, dialect: sa.Dialect) -> list[str]:
    """The DDL statements ``create_all`` would send, in its order."""
    return [statement.sql for statement in model_statements(metadata, dialect)]


@dataclass(frozen=True)
class Statement:
    element: Any  # the DDL element ``create_all`` sent
    sql: str  # compiled for ``dialect``, with ``%`` as written: the cache key's text, and sent
    table: Any  # the model Table it belongs to; None for a shared object (type, sequence)
    dialect: Any  # the SQLAlchemy dialect it was compiled for


def model_statements(metadata: sa.MetaData, dialect: sa.Dialect) -> list[Statement]:
    """What ``create_all`` sends, in its order, each with the table it belongs to, compiled for
    ``dialect`` (``compile_ddl``)."""
    import sqlalchemy as sa

    elements: list[Any] = []

    def executor(sql: Any, *args: Any, **kw: Any) -> None:
        elements.append(sql)

    engine = sa.create_mock_engine(sa.make_url(f"{dialect.name}://"), executor)
    with linear_create_order():
        # create_all's own sort is quadratic in the depth of FK chains
        metadata.create_all(engine, checkfirst=False)  # type: ignore[arg-type]
    texts = compile_ddl(elements, dialect)
    return [
        Statement(element, sql, _owner(element), dialect)
        for element, sql in zip(elements, texts, strict=True)
    ]


def compile_ddl(elements: list[Any], dialect: sa.Dialect) -> list[str]:
    """Each DDL element compiled for ``dialect``, with ``%`` as written, in order; on two cores
    where ``split_compile`` can."""
    from distil.dialects.registry import impl_for
    from distil.introspect.split_compile import compile_split

    impl = impl_for(dialect)

    def compiled(element: Any) -> str:
        return _compiled(impl, dialect, element)

    with _constructor_arguments_memo():
        return compile_split(elements, compiled)


def _compiled(impl: DialectImpl, dialect: sa.Dialect, element: Any) -> str:
    """``element`` compiled for ``dialect`` (whose ``impl`` it is), with ``%`` as written."""
    return impl.as_raw_sql(str(element.compile(dialect=dialect)).strip())


def sent_text(conn: sa.Connection) -> Callable[[Statement], str]:
    """A statement's text as sent on ``conn``: its own where it was compiled for a dialect of
    the same signature as ``conn``'s (the script is then the cache key's text), else compiled
    again (e.g. PostgreSQL before 18 needs ``STORED`` on generated columns, which a key compiled
    offline does not know)."""
    from distil.dialects.registry import compile_signature, impl_for

    impl = impl_for(conn.dialect)
    alike: dict[int, bool] = {}  # by the id of the dialect a statement was compiled for

    def text(statement: Statement) -> str:
        known = alike.get(id(statement.dialect))
        if known is None:
            known = alike[id(statement.dialect)] = statement.dialect is conn.dialect or (
                compile_signature(statement.dialect) == compile_signature(conn.dialect)
            )
        if known:
            return statement.sql
        return _compiled(impl, conn.dialect, statement.element)

    return text


@contextmanager
def _constructor_arguments_memo() -> Iterator[None]:
    """Within the block, SQLAlchemy's ``get_cls_kwargs`` answers each class once.

    Compiling a column's type first copies it into the dialect's own type class, and each copy
    walks the class's ``__init__`` signatures again (``constructor_copy``): about a tenth of
    compiling 10,000 tables. A class's constructor does not change while the DDL compiles, so
    its answer is kept by class (a frozen copy, so no caller can change it for the next). If
    SQLAlchemy no longer has the function where it is looked for, nothing is replaced.
    """
    try:
        from sqlalchemy.util import langhelpers

        original = langhelpers.get_cls_kwargs
    except (ImportError, AttributeError):
        yield
        return
    known: dict[tuple[type, bool], Any] = {}

    def get_cls_kwargs(cls: type, *, _set: Any = None, raiseerr: bool = False) -> Any:
        if _set is not None:  # a recursive step of the original: not an answer of its own
            return original(cls, _set=_set, raiseerr=raiseerr)
        key = (cls, raiseerr)
        if key not in known:
            found = original(cls, raiseerr=raiseerr)
            known[key] = frozenset(found) if found is not None else None
        return known[key]

    langhelpers.get_cls_kwargs = get_cls_kwargs  # type: ignore[assignment]
    try:
        yield
    finally:
        langhelpers.get_cls_kwargs = original  # type: ignore[assignment]


def _owner(element: Any) -> Any:
    """The table a DDL element belongs to (a table, its index, comment or constraint)."""
    import sqlalchemy as sa

    target = getattr(element, "element", None)
    if isinstance(target, sa.Table):
        return target
    if isinstance(target, sa.Column):
        return target.table
    if isinstance(target, (sa.Index, sa.Constraint)):
        table = getattr(target, "table", None)
        return table if isinstance(table, sa.Table) else None
    return None


def target_schema(
    metadata: sa.MetaData,
    url: str,
    *,
    dialect: sa.Dialect | None = None,
    dev_url: str | None = None,
    schemas: tuple[str | None, ...] = (None,),
    cache_dir: Path | None = None,
    stats: dict[str, int] | None = None,
    kept: tuple[str, Path] | None = None,
) -> Schema:
    """The models as the database spells them, rebuilt only for the tables whose DDL changed
    (``stats``, when given, receives how many tables were ``built`` of how many ``tables``).

    Each table's reflected snapshot is cached under a key of its own: its statements (sorted:
    ``create_all``'s order of one table's indexes varies between processes), those of the
    tables its foreign keys point at, the shared statements (types, sequences), and the
    signature of the dialect they were compiled for (its server's version among it). An edit
    of one table builds that table alone in a scratch database, beside bare copies of the
    tables it references, and reflects it alone; the other tables come from the cache.

    ``dialect`` is the live engine's, connected: the statements are compiled once, for the
    server that builds them, and the same text is the cache key and the script sent (with
    ``dev_url``, the dev database's server compiles instead). Without it, the key's text is
    compiled for ``url``'s dialect offline and the script again for the scratch server.
    """
    from distil.heap import many_objects

    dialect = _compiling_dialect(url, dialect, dev_url)
    with many_objects():  # the compiled DDL of every table, and the snapshot of each
        return _target_schema(metadata, url, dialect, dev_url, schemas, cache_dir, stats, kept)


def _compiling_dialect(url: str, live: sa.Dialect | None, dev_url: str | None) -> sa.Dialect:
    """The dialect of the server the scratch build runs on, as connected, or else ``url``'s
    offline: with ``dev_url`` the dev database's (one connection to learn it), else ``live``."""
    from distil.dialects.registry import create_engine, offline_dialect
    from distil.errors import DatabaseUnavailable

    if dev_url:
        try:
            engine, _ = create_engine(dev_url, for_migration=False)
        except DatabaseUnavailable:
            return offline_dialect(url)  # the build, if one is needed, says what is wrong
        engine.dispose()
        return engine.dialect
    if live is not None and getattr(live, "server_version_info", None) is not None:
        return live
    return offline_dialect(url)


def _target_schema(
    metadata: sa.MetaData,
    url: str,
    dialect: sa.Dialect,
    dev_url: str | None,
    schemas: tuple[str | None, ...],
    cache_dir: Path | None,
    stats: dict[str, int] | None,
    kept: tuple[str, Path] | None,
) -> Schema:
    from distil.dialects.registry import compile_signature

    statements = model_statements(metadata, dialect)
    signature = repr(compile_signature(dialect))
    keys = _table_keys(statements, signature, schemas)
    shared_key = _digest(
        [
            CACHE_VERSION,
            signature,
            repr(schemas),
            *sorted(s.sql for s in statements if s.table is None),
        ]
    )
    cache_file = None
    if cache_dir is not None:
        where = _digest([CACHE_VERSION, dialect.name, repr(schemas)])
        cache_file = cache_dir / f"target-{dialect.name}-{where}.pickle"
    cached = _read_table_cache(cache_file, shared_key)
    tables = {
        key: cached["tables"][digest] for key, digest in keys.items() if digest in cached["tables"]
    }
    missing = [table for table in _tables_of(statements) if _tkey(table) not in tables]
    partial = bool(missing) and len(missing) < len(keys) and _can_build_apart(statements)
    if missing or cached["shared"] is None:
        built = build_and_reflect(
            metadata,
            url,
            dev_url=dev_url,
            schemas=schemas,
            statements=statements,
            only={_tkey(t) for t in missing} if partial else None,
            kept=kept,
        )
        for table in built.tables:
            tables[table.key] = table
        shared: dict[str, Any] = {"enums": built.enums, "schemas": built.schemas}
    else:
        shared = cached["shared"]
    schema = Schema(
        tables=tuple(sorted(tables.values(), key=lambda t: (t.schema or "", t.name))),
        enums=tuple(shared["enums"]),
        schemas=tuple(shared["schemas"]),
    )
    if cache_file is not None and (missing or cached["shared"] is None):
        added = {keys[_tkey(t)]: tables[_tkey(t)] for t in missing if _tkey(t) in tables}
        extra = {**cached["extra"], **added}
        if partial and cached["shared"] is not None and len(extra) <= OVERLAY_LIMIT:
            _write_overlay(cache_file, extra)  # a few tables: the large file stays as it is
        else:
            _write_table_cache(cache_file, shared_key, schema, keys)
    if stats is not None:
        rebuilt = missing or cached["shared"] is None
        stats["built"] = (len(missing) if partial else len(keys)) if rebuilt else 0
        stats["tables"] = len(keys)
    return schema


def _tkey(table: Any) -> tuple[str | None, str]:
    return (table.schema, table.name)


def _referenced(table: Any) -> set[tuple[str | None, str]]:
    """The (schema, name) of the model tables ``table``'s foreign keys point at."""
    import sqlalchemy as sa

    found = set()
    for fk in table.foreign_keys:
        try:
            found.add(_tkey(fk.column.table))
        except sa.exc.SQLAlchemyError:  # a key to a table outside the models
            continue
    return found


# shared statements that create no table and need none: a partial build can send them first
_STANDALONE = {"CreateEnumType", "CreateDomainType", "CreateSequence", "CreateSchema"}


def _can_build_apart(statements: list[Statement]) -> bool:
    """Whether some tables can be built without the others: not when the models send other
    statements of their own (a ``DDL`` event may need any table)."""
    return all(s.table is not None or type(s.element).__name__ in _STANDALONE for s in statements)


def _tables_of(statements: list[Statement]) -> list[Any]:
    return list({id(s.table): s.table for s in statements if s.table is not None}.values())


def _table_keys(
    statements: list[Statement], signature: str, schemas: tuple[str | None, ...]
) -> dict[tuple[str | None, str], str]:
    own: dict[tuple[str | None, str], list[str]] = {}
    shared = sorted(s.sql for s in statements if s.table is None)
    tables = _tables_of(statements)
    for statement in statements:
        if statement.table is not None:
            own.setdefault(_tkey(statement.table), []).append(statement.sql)
    keys = {}
    for table in tables:
        referenced = sorted(
            (schema or "", name)
            for schema, name in _referenced(table)
            if (schema, name) != _tkey(table)
        )
        parts = [CACHE_VERSION, signature, repr(schemas), *shared, "|", *sorted(own[_tkey(table)])]
        for schema, name in referenced:
            parts += ["|", *sorted(own.get((schema or None, name), []))]
        keys[(table.schema, table.name)] = _digest(parts)
    return keys


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def _read_table_cache(path: Path | None, shared_key: str) -> dict[str, Any]:
    """``{"tables": {key: Table}, "shared": {"enums", "schemas"} or None, "extra": {key:
    Table}}`` from the cache file and its overlay (``extra``: the tables of the overlay).

    The files are pickles (writing 1,000 tables as JSON costs ten times as long) that distil
    wrote itself in the project's ``__pycache__``, as Python does its bytecode there. A table's
    key is the digest of everything its snapshot depends on, so an entry of either file is
    right wherever it comes from."""
    found = _read_main_cache(path, shared_key)
    found["extra"] = _read_overlay(path) if path is not None else {}
    found["tables"].update(found["extra"])
    return found


def _overlay_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}-overlay{path.suffix}")


def _read_overlay(path: Path) -> dict[str, Table]:
    import pickle

    overlay = _overlay_path(path)
    if not overlay.exists():
        return {}
    try:
        data = pickle.loads(overlay.read_bytes())
        if data.get("version") != CACHE_VERSION:
            return {}
        tables = data["tables"]
        if all(isinstance(k, str) and isinstance(t, Table) for k, t in tables.items()):
            return dict(tables)
    except Exception:  # noqa: BLE001 - a damaged overlay: its tables are built again
        pass
    return {}


def _write_overlay(path: Path, tables: dict[str, Table]) -> None:
    import pickle

    from distil.caches import write_cache_bytes

    data = {"version": CACHE_VERSION, "tables": tables}
    write_cache_bytes(_overlay_path(path), pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))


def _read_main_cache(path: Path | None, shared_key: str) -> dict[str, Any]:
    import pickle

    empty: dict[str, Any] = {"tables": {}, "shared": None}
    if path is None or not path.exists():
        return empty
    try:
        data = pickle.loads(path.read_bytes())
        if data.get("version") != CACHE_VERSION:
            return empty
        snapshot: Schema = data["schema"]
        by_name = {t.key: t for t in snapshot.tables}
        tables = {digest: by_name[key] for digest, key in data["keys"].items() if key in by_name}
        shared = None
        if data.get("shared") == shared_key:
            shared = {"enums": snapshot.enums, "schemas": snapshot.schemas}
        return {"tables": tables, "shared": shared}
    except Exception:  # noqa: BLE001 - a damaged or foreign cache is rebuilt
        return empty


def _write_table_cache(
    path: Path, shared_key: str, schema: Schema, keys: dict[tuple[str | None, str], str]
) -> None:
    import pickle

    from distil.caches import write_cache_bytes

    data = {
        "version": CACHE_VERSION,
        "shared": shared_key,
        "keys": {digest: key for key, digest in keys.items()},
        "schema": schema,
    }
    write_cache_bytes(path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    with contextlib.suppress(OSError):
        _overlay_path(path).unlink(missing_ok=True)  # its tables are in the file now


def build_and_reflect(
    metadata: sa.MetaData,
    url: str,
    *,
    dev_url: str | None,
    schemas: tuple[str | None, ...],
    statements: list[Statement] | None = None,
    only: set[tuple[str | None, str]] | None = None,
    kept: tuple[str, Path] | None = None,
) -> Schema:
    """Create the models (or, with ``only``, those tables, beside bare copies of the tables
    their foreign keys point at) in a scratch database and reflect them back.

    Where the driver takes a script in one round trip (see ``send_script``), the DDL is sent in a
    few large batches; elsewhere statement by statement. On PostgreSQL a build of a few tables
    runs in one transaction that is rolled back after the reflection, in a scratch database kept
    empty between runs (``kept``: the project's identity and cache directory), which saves
    creating and dropping a database each time.
    """
    from distil.dialects.registry import impl_for, offline_dialect
    from distil.dialects.scratch import BATCH, kept_scratch, scratch_engine
    from distil.errors import ModelError

    require_scratch_schemas(url, metadata)
    small = statements is not None and (only is not None or len(statements) <= BATCH)
    if (
        kept is not None
        and not dev_url
        and small
        and impl_for(offline_dialect(url)).builds_in_kept_scratch
    ):
        identity, directory = kept
        with kept_scratch(
            url, dev_url=None, purpose=KEPT_PURPOSE, identity=identity, directory=directory
        ) as scratch:
            try:
                return _build_in(scratch.engine, metadata, schemas, statements, only, keep=False)
            except ModelError:
                if not scratch.kept:
                    raise
                scratch.reset()  # in case something was left in it: try once in an empty one
                return _build_in(scratch.engine, metadata, schemas, statements, only, keep=False)
    with scratch_engine(url, dev_url=dev_url) as engine:
        return _build_in(engine, metadata, schemas, statements, only, keep=True)


def _build_in(
    engine: sa.Engine,
    metadata: sa.MetaData,
    schemas: tuple[str | None, ...],
    statements: list[Statement] | None,
    only: set[tuple[str | None, str]] | None,
    *,
    keep: bool,
) -> Schema:
    """Build in ``engine``'s database and reflect; ``keep`` false: roll it all back after."""
    import sqlalchemy as sa

    from distil.dialects.scratch import send_script
    from distil.errors import ModelError
    from distil.introspect.reflect import reflect_schema

    with engine.connect() as conn:
        conn.begin()
        try:
            create_schemas(conn, [s for s in schemas if s])
            if statements is None:
                with linear_create_order():
                    metadata.create_all(conn, checkfirst=False)
            elif not (keep and only is None and _send_split(conn, engine, statements)):
                script = _script(conn, statements, only)
                if not send_script(conn, script, commit=keep):
                    for sql in script:
                        conn.exec_driver_sql(sql, execution_options={"no_parameters": True})
        except sa.exc.DBAPIError as error:
            message = str(error.orig).strip().splitlines()[0]
            statement = " ".join((error.statement or "").split())[:300]
            raise ModelError(
                f"the models cannot be created on {conn.dialect.name}: {message} (while running "
                f"{statement}). Fix the model definition (for example a server_default the "
                f"database rejects) and try again."
            ) from None
        if not keep:
            try:
                return reflect_schema(conn, schemas, only=only)
            finally:
                conn.rollback()
        conn.commit()
        return reflect_schema(conn, schemas, only=only)


def _send_split(conn: sa.Connection, engine: sa.Engine, statements: list[Statement]) -> bool:
    """Build the models on several connections at once where that pays and builds the same
    (``distil.introspect.split_build``); False where the caller builds them on ``conn``."""
    from distil.dialects.base import takes_scripts
    from distil.dialects.registry import impl_for
    from distil.dialects.scratch import send_split
    from distil.introspect.split_build import split_build

    impl = impl_for(conn.dialect)
    threshold = impl.parallel_build_from
    if threshold is None or not takes_scripts(conn):
        return False
    if len(_tables_of(statements)) < threshold:
        return False
    split = split_build(conn, statements, impl.parallel_build_connections, impl.server_name_labels)
    if split is None or len(split.parts) < 2:
        return False
    send_split(conn, engine, split.first, split.parts, split.last)
    return True


def _script(
    conn: sa.Connection, statements: list[Statement], only: set[tuple[str | None, str]] | None
) -> list[str]:
    """The statements to send, compiled for this server, with ``%`` as written (``sent_text``)."""
    import sqlalchemy as sa

    text = sent_text(conn)
    if only is None:
        return [text(s) for s in statements]
    wanted = [s for s in statements if s.table is not None and _tkey(s.table) in only]
    by_key = {_tkey(s.table): s.table for s in statements if s.table is not None}
    referenced = {
        key: by_key[key]
        for s in wanted
        for key in _referenced(s.table)
        if key not in only and key in by_key
    }
    script = [text(s) for s in statements if s.table is None]
    for table in referenced.values():  # bare: without foreign keys of their own
        bare = sa.schema.CreateTable(table, include_foreign_key_constraints=[])
        script += compile_ddl([bare], conn.dialect)
        for s in statements:
            if s.table is table and isinstance(s.element, sa.schema.CreateIndex):
                script.append(text(s))
    script += [text(s) for s in wanted]
    return script


def require_scratch_schemas(url: str, metadata: sa.MetaData) -> None:
    """Refuse model tables in schemas a scratch database cannot hold: on MariaDB a schema is
    another database of the server, which distil did not create and must not write into."""
    from distil.dialects.registry import impl_for, offline_dialect
    from distil.errors import ModelError

    named = sorted({t.schema for t in metadata.tables.values() if t.schema})
    dialect = offline_dialect(url)
    if named and not impl_for(dialect).scratch_holds_schemas:
        raise ModelError(
            f"the models name the schema(s) {', '.join(named)}, which on "
            f"{dialect.name} are other databases of the server: a scratch build would write into "
            f"them. Autogenerate compares one database at a time there; remove schema= from the "
            f"models, or write this migration by hand."
        )


def create_schemas(conn: sa.Connection, names: list[str]) -> None:
    from sqlalchemy.schema import CreateSchema

    from distil.dialects.registry import impl_for

    if not names or not impl_for(conn.dialect).supports_schemas:
        return
    for name in names:
        conn.execute(CreateSchema(name, if_not_exists=True))


def write_cache(path: Path, schema: Schema) -> None:
    from distil.caches import write_cache_file

    write_cache_file(path, json.dumps(schema.to_json()))  # dumps uses the C encoder; dump does not
