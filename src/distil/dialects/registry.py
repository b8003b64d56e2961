"""From a URL to an engine and its DialectImpl: the only place that reads a database's name.

Connection failures become ``DatabaseUnavailable`` with the password masked. An application's
engine hook (the ``engine`` setting) is called once; its engine is then the one every command
gets for the URL it stands for. Asyncio drivers' URLs are run with the same database's sync
driver.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from distil.errors import DatabaseUnavailable

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.dialects.base import DialectImpl


def impl_for(sa_dialect: sa.Dialect) -> DialectImpl:
    name = sa_dialect.name
    if name == "sqlite":
        from distil.dialects.sqlite import SqliteImpl

        return SqliteImpl(sa_dialect)
    if name == "postgresql":
        from distil.dialects.postgresql import PostgresqlImpl

        return PostgresqlImpl(sa_dialect)
    if name in ("mysql", "mariadb"):
        from distil.dialects.mysql import MysqlImpl

        return MysqlImpl(sa_dialect)
    from distil.dialects.base import DialectImpl

    return DialectImpl(sa_dialect)


# asyncio drivers and the driver distil runs the same database with (distil's migrations run
# synchronously; the application keeps its own async URL)
SYNC_DRIVERS = {
    "postgresql+asyncpg": "postgresql+psycopg",
    "postgresql+psycopg_async": "postgresql+psycopg",
    "sqlite+aiosqlite": "sqlite+pysqlite",
    "mysql+asyncmy": "mysql+pymysql",
    "mysql+aiomysql": "mysql+pymysql",
    "mariadb+asyncmy": "mariadb+pymysql",
    "mariadb+aiomysql": "mariadb+pymysql",
}


def sync_driver_note(url: str) -> str | None:
    """One line saying which driver distil uses instead of ``url``'s asyncio driver, or None.

    Reads only the scheme (no SQLAlchemy import), so the CLI can say it up front."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    sync = SYNC_DRIVERS.get(scheme)
    if sync is None:
        return None
    return (
        f"the URL names the asyncio driver {scheme.split('+')[1]}; distil connects with "
        f"{sync.split('+')[1]} ({sync}://...) instead, which must be installed"
    )


def _with_sync_driver(url: str) -> str:
    scheme, separator, rest = url.partition("://")
    sync = SYNC_DRIVERS.get(scheme.lower())
    return f"{sync}{separator}{rest}" if sync and separator else url


def parse_url(url: str) -> sa.URL:
    import sqlalchemy as sa

    from distil.config import mask_url, normalize_url

    url = _with_sync_driver(url)
    try:
        parsed = sa.make_url(normalize_url(url))
    except ValueError as error:
        if "int()" not in str(error):
            raise
        raise DatabaseUnavailable(
            f"the database URL {mask_url(url)!r} has a port that is not a number; write the "
            f"port as digits after the host (e.g. localhost:5432), or leave it out for the "
            f"default."
        ) from None
    except sa.exc.ArgumentError:
        raise DatabaseUnavailable(
            f"the database URL {mask_url(url)!r} is not a valid SQLAlchemy URL; it should look "
            f"like postgresql+psycopg://user@host/dbname, mysql+pymysql://user@host/dbname or "
            f"sqlite:///path/to/file.db."
        ) from None
    if parsed.get_backend_name() in ("mysql", "mariadb") and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed


def offline_dialect(url: str) -> sa.Dialect:
    """The SQLAlchemy dialect of ``url`` without connecting (for ``--sql``)."""
    parsed = parse_url(url)
    try:
        # named parameters: literal-rendered scripts then keep "%" as written (format and
        # pyformat drivers would have it doubled for them)
        return parsed.get_dialect()(paramstyle="named")  # type: ignore[call-arg]
    except Exception as error:  # noqa: BLE001 - any loader failure means the same to the user
        raise _unknown_dialect(parsed, error) from None


def create_engine(
    url: str,
    *,
    lock_timeout: float = 60.0,
    for_migration: bool = True,
    keep_connection: bool = False,
    share_statements: bool = False,
) -> tuple[sa.Engine, DialectImpl]:
    """An engine with distil's connection settings, checked by connecting once (for the URL an
    engine hook's engine stands for, that engine).

    Each ``connect()`` opens a new connection, unless ``keep_connection``: then one connection
    (the check's, first) is kept open between uses until the engine is disposed, for a command
    that opens several short ones in a row. With ``share_statements``, engines on databases of
    one server share their compiled statements (``_share_statements``)."""
    import sqlalchemy as sa

    from distil.config import mask_secrets, mask_url
    from distil.models_loader import hooked_engine

    hooked = hooked_engine(url)
    if hooked is not None:
        impl = prepare_engine(hooked) if for_migration else impl_for(hooked.dialect)
        try:
            with hooked.connect():
                pass
        except sa.exc.DBAPIError as error:
            message = mask_secrets(str(error.orig).strip().splitlines()[0], url)
            raise DatabaseUnavailable(
                f"cannot connect to {mask_url(url)} with the engine the engine hook made: "
                f"{message}. Check the server and the hook's settings."
            ) from None
        return hooked, impl
    parsed = parse_url(url)
    try:
        dialect_cls = parsed.get_dialect()
    except Exception as error:  # noqa: BLE001
        raise _unknown_dialect(parsed, error) from None
    impl = impl_for(dialect_cls())
    options: dict[str, Any] = impl.engine_options(parsed, lock_timeout)
    memory = parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")
    if memory:
        pool: dict[str, Any] = {"poolclass": sa.pool.StaticPool}
    elif keep_connection:
        pool = {"poolclass": sa.pool.QueuePool, "pool_size": 1, "max_overflow": -1}
    else:
        pool = {"poolclass": sa.pool.NullPool}
    try:
        engine = sa.create_engine(parsed, **pool, **options)
    except Exception as error:  # noqa: BLE001
        raise _unknown_dialect(parsed, error) from None
    if for_migration:
        prepare_engine(engine, impl)
    impl = impl_for(engine.dialect)
    try:
        with engine.connect():
            pass
    except sa.exc.DBAPIError as error:
        message = mask_secrets(str(error.orig).strip().splitlines()[0], url)
        raise DatabaseUnavailable(
            f"cannot connect to {mask_url(url)}: {message}. Check that the server is running, "
            f"the database exists and the URL (--url, DISTIL_DATABASE_URL or the config file) "
            f"is right."
        ) from None
    except (OSError, ValueError, TypeError) as error:
        # the driver refused an option of the URL before reaching the server
        raise DatabaseUnavailable(
            f"cannot connect to {mask_url(url)}: the driver refused the URL's options "
            f"({mask_secrets(f'{type(error).__name__}: {error}', url)}).{_missing_files(parsed)} "
            f"Fix the option in the URL (--url, DISTIL_DATABASE_URL or the config file)."
        ) from None
    if share_statements and parsed.host and _share_statements(engine, parsed):
        impl = impl_for(engine.dialect)
        if for_migration:  # the shared dialect gets the settings too (once: they say so)
            impl.configure_engine(engine)
    return engine, impl


# per server (dialect class, driver, host, port, user, options): the first engine's dialect, the
# settings its first connection found, and its cache of compiled statements
_SERVERS: dict[tuple[Any, ...], tuple[Any, tuple[Any, ...], Any]] = {}


def _share_statements(engine: sa.Engine, parsed: sa.URL) -> bool:
    """Give ``engine`` the dialect and compiled-statement cache of the first engine of this
    command on the same server, when its connection found the same settings there.

    SQLAlchemy keys compiled statements by the dialect object, and each engine has its own, so
    a command that reflects three databases of one server (the live one, the models' scratch
    build, the proof's) would compile the same catalog queries three times (about 20 ms each).
    A database of its own settings (another search_path, say) keeps its own dialect. Returns
    whether ``engine`` took another engine's dialect."""
    dialect = engine.dialect
    server = (
        type(dialect),
        parsed.drivername,
        parsed.host,
        parsed.port,
        parsed.username,
        tuple(sorted((k, str(v)) for k, v in parsed.query.items())),
    )
    found = tuple(
        getattr(dialect, name, None)
        for name in (
            "server_version_info",
            "default_schema_name",
            "default_isolation_level",
            "_backslash_escapes",
            "_server_ansiquotes",
            "_casing",
            "is_mariadb",
        )
    )
    first = _SERVERS.setdefault(server, (dialect, found, engine._compiled_cache))
    if first[0] is dialect or first[1] != found:
        return False
    engine.dialect = first[0]
    engine._compiled_cache = first[2]
    return True


def compile_signature(dialect: sa.Dialect) -> tuple[Any, ...]:
    """What decides how ``dialect`` compiles DDL and how its server reflects what it created:
    the dialect and driver, the server's version (``None`` for a dialect that never connected)
    and the settings its first connection found that change how SQL is spelled or reflected
    (MySQL's quoting, backslash escapes and table name casing; MariaDB). Two dialects with the
    same signature compile the models' DDL to the same text."""
    cls = type(dialect)
    return (
        f"{cls.__module__}.{cls.__qualname__}",
        dialect.name,
        dialect.driver,
        getattr(dialect, "server_version_info", None),
        *(
            getattr(dialect, name, None)
            for name in ("is_mariadb", "_backslash_escapes", "_server_ansiquotes", "_casing")
        ),
    )


def _missing_files(parsed: sa.URL) -> str:
    """A sentence naming each query option whose value looks like a path to a missing file."""
    import os

    missing = []
    for key, value in parsed.query.items():
        for item in (value,) if isinstance(value, str) else value:
            if ("/" in item or os.sep in item) and not os.path.exists(item):
                missing.append(f"{key}={item}")
    if not missing:
        return ""
    return f" No file exists at {', '.join(missing)}."


def _unknown_dialect(parsed: sa.URL, error: Exception) -> DatabaseUnavailable:
    from distil.config import mask_url

    hint = ""
    backend = parsed.get_backend_name()
    if not isinstance(error, ImportError):
        hint = " Fix the URL (--url, DISTIL_DATABASE_URL or the config file)."
    elif backend == "postgresql":
        hint = " Install the driver with `pip install 'distil[postgresql]'`."
    elif backend in ("mysql", "mariadb"):
        hint = " Install the driver with `pip install 'distil[mysql]'`."
    return DatabaseUnavailable(
        f"cannot use the database URL {mask_url(parsed.render_as_string(hide_password=False))}: "
        f"{type(error).__name__}: {error}.{hint}"
    )


_prepared: weakref.WeakSet[Any] = weakref.WeakSet()


def prepare_engine(engine: sa.Engine, impl: DialectImpl | None = None) -> DialectImpl:
    """Install distil's per-database engine settings once (also on engines the caller made)."""
    impl = impl or impl_for(engine.dialect)
    if engine not in _prepared:
        impl.configure_engine(engine)
        _prepared.add(engine)
    return impl
