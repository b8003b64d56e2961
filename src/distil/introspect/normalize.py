"""The target schema: the models as the database itself would spell them.

The models are created in a scratch database of the live database's dialect in one transaction,
then reflected back, so types, defaults and implicit names come out exactly as reflection of the
live database does. The result is cached by a hash of the models' compiled DDL: an unchanged
model costs one file read, not a scratch build.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distil.schema.model import Schema

if TYPE_CHECKING:
    import sqlalchemy as sa

CACHE_VERSION = "3"


def model_schemas(metadata: sa.MetaData, extra: tuple[str, ...] = ()) -> tuple[str | None, ...]:
    """The default schema plus every schema the models name or the config adds."""
    named = sorted({t.schema for t in metadata.tables.values() if t.schema} | set(extra))
    return (None, *named)


def models_ddl(metadata: sa.MetaData, dialect: sa.Dialect) -> list[str]:
    """The DDL statements ``create_all`` would send, in its order."""
    import sqlalchemy as sa

    statements: list[str] = []

    def executor(sql: Any, *args: Any, **kw: Any) -> None:
        statements.append(str(sql.compile(dialect=dialect)).strip())

    engine = sa.create_mock_engine(sa.make_url(f"{dialect.name}://"), executor)
    metadata.create_all(engine, checkfirst=False)  # type: ignore[arg-type]
    return statements


def target_schema(
    metadata: sa.MetaData,
    url: str,
    *,
    dev_url: str | None = None,
    schemas: tuple[str | None, ...] = (None,),
    cache_dir: Path | None = None,
) -> Schema:
    from distil.dialects.registry import offline_dialect

    dialect = offline_dialect(url)
    ddl = models_ddl(metadata, dialect)
    # create_all's order of some statements (indexes of one table) varies between processes:
    # the key is taken over the sorted statements, which say the same thing.
    key = hashlib.sha256(
        "\n".join([CACHE_VERSION, dialect.name, repr(schemas), *sorted(ddl)]).encode()
    ).hexdigest()[:24]
    cache_file = cache_dir / f"target-{dialect.name}-{key}.json" if cache_dir else None
    if cache_file is not None and cache_file.exists():
        try:
            return Schema.from_json(json.loads(cache_file.read_text()))
        except (ValueError, KeyError, TypeError):
            pass  # a damaged cache is rebuilt
    schema = build_and_reflect(metadata, url, dev_url=dev_url, schemas=schemas, ddl=ddl)
    if cache_file is not None:
        write_cache(cache_file, schema)
    return schema


def build_and_reflect(
    metadata: sa.MetaData,
    url: str,
    *,
    dev_url: str | None,
    schemas: tuple[str | None, ...],
    ddl: list[str] | None = None,
) -> Schema:
    """Create the models in a scratch database and reflect them back.

    Where the driver takes a script in one round trip (see ``send_script``), the compiled DDL is
    sent in a few large batches; elsewhere ``create_all`` runs statement by statement.
    """
    import sqlalchemy as sa

    from distil.dialects.scratch import scratch_engine, send_script
    from distil.errors import ModelError
    from distil.introspect.reflect import reflect_schema

    require_scratch_schemas(url, metadata)
    with scratch_engine(url, dev_url=dev_url) as engine:
        with engine.connect() as conn:
            conn.begin()
            try:
                create_schemas(conn, [s for s in schemas if s])
                if ddl is None or not send_script(conn, _recompiled(metadata, url, conn)):
                    metadata.create_all(conn, checkfirst=False)
            except sa.exc.DBAPIError as error:
                message = str(error.orig).strip().splitlines()[0]
                statement = " ".join((error.statement or "").split())[:300]
                raise ModelError(
                    f"the models cannot be created on {conn.dialect.name}: {message} (while running "
                    f"{statement}). Fix the model definition (for example a server_default the "
                    f"database rejects) and try again."
                ) from None
            conn.commit()
            return reflect_schema(conn, schemas)


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


def _recompiled(metadata: sa.MetaData, url: str, conn: sa.Connection) -> list[str]:
    """The models' DDL as this server needs it (the cache key is version-free: e.g. PostgreSQL
    before 18 needs ``STORED`` on generated columns), with ``%`` as written, for a raw script."""
    from distil.dialects.registry import impl_for

    impl = impl_for(conn.dialect)
    return [impl.as_raw_sql(statement) for statement in models_ddl(metadata, conn.dialect)]
