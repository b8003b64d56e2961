"""Scratch databases: the one owner that makes them, records what it made, and removes only that.

Autogenerate builds the models in a scratch database and reflects them back, and proves a new
migration on one. Three kinds, all through ``scratch_engine``:

- SQLite: a private in-memory database; ``dev_url`` is not used.
- PostgreSQL and MariaDB without ``dev_url``: a database of distil's own on the target's server,
  named ``distil_scratch_<host>_<pid>_<random>`` and dropped afterwards, also on Ctrl-C and
  SIGTERM (which unwinds like Ctrl-C while a scratch database exists; a second signal waits for
  the cleanup). One left behind by a process killed outright is dropped by the next run on the
  same machine once that process is gone (the name carries the host, its pid namespace and the
  pid, so a live owner is never mistaken for a dead one).
- With ``dev_url``: a borrowed database. It must not be the database distil migrates (compared
  by URL and by the servers' own identity), and it must be empty; it is locked for the run, and
  afterwards exactly the objects that were not in it before are dropped. What was there is never
  touched.

``kept_scratch`` is the one kind that outlives a run: the proof's database at the history's head,
kept between runs so that a new migration is proven without replaying the whole history. On
PostgreSQL and MariaDB it is a database of its own, ``distil_keep_<hash>`` (the hash names the
project and the target database); on SQLite a file in the project's ``__pycache__``. One process
uses it at a time (a lock); another one that finds it busy gets a throwaway scratch database
instead. Its user records in it whether it is in a known state (``state``): a run that dies half
way leaves it marked, and the next one starts it afresh. With ``dev_url`` nothing is kept.
``distil cache clear`` drops it.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import secrets
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from distil.errors import ConfigError, DatabaseUnavailable, LockTimeout

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.dialects.base import DialectImpl, ScratchObject

SCRATCH_PREFIX = "distil_scratch_"
KEEP_PREFIX = "distil_keep_"
STATE_TABLE = "_distil_scratch_state"  # reflection never reports ``_distil_*`` tables
BORROW_LOCK_KEY = "scratch"
BORROW_WAIT = 60.0  # seconds to wait for another distil process using the same dev_url
RAW = {"no_parameters": True}  # catalog SQL holds % signs that are not placeholders


@contextmanager
def scratch_engine(url: str, *, dev_url: str | None = None) -> Iterator[sa.Engine]:
    """Yield an engine on an empty database of ``url``'s dialect; remove what was made there."""
    from distil.dialects.registry import create_engine, parse_url

    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine, _ = create_engine("sqlite://")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    with _unwind_on_sigterm():
        if dev_url:
            with _borrowed(url, dev_url) as engine:
                yield engine
        else:
            with _created(parsed) as engine:
                yield engine


def run_in_pieces_if_too_big(run: Callable[..., object], engine: sa.Engine) -> None:
    """Run a migration step (``run(engine=...)``) on a scratch database in one transaction, as a real run does; if the
    server's lock table cannot hold that transaction (PostgreSQL's ``max_locks_per_transaction``,
    with thousands of tables in one migration; the runner may say so before it starts), run it again with each statement committed on
    its own. The failed attempt was rolled back whole, and a scratch database needs no atomicity;
    what the step does is proven the same way."""
    from distil.dialects.registry import impl_for
    from distil.errors import TooBigForOneTransaction

    def too_big(error: BaseException) -> bool:
        return isinstance(error, TooBigForOneTransaction) or impl_for(
            engine.dialect
        ).lock_table_full(error)

    try:
        run(engine=engine)
    except Exception as error:
        if not _caused_by(error, too_big):
            raise
        run(engine=engine.execution_options(isolation_level="AUTOCOMMIT"))


def _caused_by(error: BaseException, test: Callable[[BaseException], bool]) -> bool:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if test(current):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


# ------------------------------------------------------------------ a database kept between runs


class KeptScratch:
    """A scratch database that may hold what an earlier run left in it (see the module text).

    ``fresh`` says it is empty; ``state`` / ``set_state`` read and write one text value kept in
    it; ``reset`` empties it (and makes ``fresh`` true again)."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        fresh: bool,
        kept: bool,
        reset: Callable[[], sa.Engine] | None = None,
    ) -> None:
        self.engine = engine
        self.fresh = fresh
        self.kept = kept  # False: a throwaway database, gone after this run
        self._reset = reset

    def state(self) -> str | None:
        import sqlalchemy as sa

        if self.fresh or not self.kept:
            return None
        try:
            with self.engine.connect() as conn:
                value = conn.execute(sa.text(f"SELECT v FROM {STATE_TABLE} WHERE k = 'state'"))
                return value.scalar()  # type: ignore[no-any-return]
        except sa.exc.DBAPIError:
            return None

    def set_state(self, value: str) -> None:
        """Record ``value`` (committed at once: it must outlive a crash of this process)."""
        import sqlalchemy as sa

        if not self.kept:
            return
        with self.engine.begin() as conn:
            conn.execute(
                sa.text(
                    f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (k VARCHAR(20) PRIMARY KEY, v TEXT)"
                )
            )
            conn.execute(sa.text(f"DELETE FROM {STATE_TABLE} WHERE k = 'state'"))
            conn.execute(
                sa.text(f"INSERT INTO {STATE_TABLE} (k, v) VALUES ('state', :v)"), {"v": value}
            )
        self.fresh = False

    def reset(self) -> None:
        """Empty the database: what an earlier run left cannot be used."""
        if self.fresh:
            return
        if self._reset is None:
            raise RuntimeError("a throwaway scratch database is never reset")
        self.engine = self._reset()
        self.fresh = True


def kept_prefix(database: str | None) -> str:
    """``distil_keep_<hash>_``: the start of the name of every kept scratch database made for
    target databases called ``database`` (what ``distil cache clear`` drops)."""
    return f"{KEEP_PREFIX}{hashlib.sha256((database or '').encode()).hexdigest()[:8]}_"


def kept_name(url: str, purpose: str, identity: str) -> str:
    """The kept scratch database for ``purpose`` of one project (``identity``) and target."""
    from distil.dialects.registry import parse_url

    parsed = parse_url(url)
    where = f"{identity}|{parsed.host}|{parsed.port}|{parsed.database}|{purpose}"
    return f"{kept_prefix(parsed.database)}{hashlib.sha256(where.encode()).hexdigest()[:12]}"


@contextmanager
def kept_scratch(
    url: str,
    *,
    dev_url: str | None,
    purpose: str,
    identity: str,
    directory: Any,
    keep: bool = True,
) -> Iterator[KeptScratch]:
    """A scratch database kept between runs for ``purpose`` (see the module text); a throwaway
    one when it cannot be kept (``dev_url``, ``keep`` false) or another process is using it."""
    from distil.dialects.registry import parse_url

    parsed = parse_url(url)
    if not keep:
        pass
    elif not dev_url and parsed.get_backend_name() == "sqlite":
        with _kept_sqlite(directory, purpose) as kept:
            if kept is not None:
                yield kept
                return
    elif not dev_url:
        with _unwind_on_sigterm(), _kept_server(parsed, kept_name(url, purpose, identity)) as kept:
            if kept is not None:
                yield kept
                return
    with scratch_engine(url, dev_url=dev_url) as engine:
        yield KeptScratch(engine, fresh=True, kept=False)


@contextmanager
def _kept_sqlite(directory: Any, purpose: str) -> Iterator[KeptScratch | None]:
    from pathlib import Path

    from distil.dialects.registry import create_engine

    try:
        import fcntl
    except ImportError:  # no advisory locks here: nothing is kept
        yield None
        return
    path = Path(directory) / f"scratch-{purpose}.sqlite"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(path.with_suffix(".lock"), "a")  # noqa: SIM115 - held for the run
    except OSError:
        yield None
        return
    try:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another run of this project uses it
            yield None
            return
        fresh = not path.exists()
        engines: list[sa.Engine] = []

        def connect() -> sa.Engine:
            engine, _ = create_engine(f"sqlite:///{path}")
            engines.append(engine)
            return engine

        def reset() -> sa.Engine:
            for engine in engines:
                engine.dispose()
            path.unlink(missing_ok=True)
            return connect()

        try:
            yield KeptScratch(connect(), fresh=fresh, kept=True, reset=reset)
        finally:
            for engine in engines:
                engine.dispose()
    finally:
        lock.close()


@contextmanager
def _kept_server(parsed: sa.URL, name: str) -> Iterator[KeptScratch | None]:
    import sqlalchemy as sa

    from distil.dialects.registry import create_engine, impl_for

    impl = impl_for(parsed.get_dialect()())
    admin = _admin_engine(parsed, impl)
    scratch_url = parsed.set(database=name).render_as_string(hide_password=False)
    engines: list[sa.Engine] = []
    try:
        with admin.connect() as guard:
            try:
                impl.acquire_lock(guard, name[len(KEEP_PREFIX) :], 0)
            except LockTimeout:
                yield None  # another run of this project uses it
                return
            try:
                guard.commit()

                def make() -> None:
                    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                        conn.exec_driver_sql(impl.create_database_sql(name))

                def connect() -> sa.Engine:
                    engine, _ = create_engine(
                        scratch_url, keep_connection=True, share_statements=True
                    )
                    engines.append(engine)
                    return engine

                def reset() -> sa.Engine:
                    for engine in engines:
                        engine.dispose()
                    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                        conn.exec_driver_sql(impl.drop_database_sql(name, force=True))
                    make()
                    return connect()

                exists = name in impl.database_names(guard, name)
                guard.commit()
                fresh = not exists
                if fresh:
                    try:
                        make()
                    except sa.exc.DBAPIError:
                        # e.g. MariaDB privileges granted on distil_scratch_% only: a throwaway
                        # database still works (or says which right is missing)
                        yield None
                        return
                yield KeptScratch(connect(), fresh=fresh, kept=True, reset=reset)
            finally:
                for engine in engines:
                    engine.dispose()
                with _signals_deferred():
                    try:
                        impl.release_lock(guard, name[len(KEEP_PREFIX) :])
                    except sa.exc.DBAPIError:
                        pass  # the session ends with the connection: so does its lock
    finally:
        admin.dispose()


def kept_names(url: str) -> list[str]:
    """The kept scratch databases made for the target ``url`` (for ``distil cache clear``)."""
    from distil.dialects.registry import impl_for, parse_url

    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return []
    impl = impl_for(parsed.get_dialect()())
    admin = _admin_engine(parsed, impl)
    try:
        with admin.connect() as conn:
            return impl.database_names(conn, kept_prefix(parsed.database))
    finally:
        admin.dispose()


def drop_kept(url: str, name: str) -> None:
    """Drop the kept scratch database ``name`` of the server of ``url``."""
    from distil.dialects.registry import impl_for, parse_url

    parsed = parse_url(url)
    impl = impl_for(parsed.get_dialect()())
    if not name.startswith(KEEP_PREFIX):
        raise ValueError(name)
    admin = _admin_engine(parsed, impl)
    try:
        _drop_database(admin, impl, name, quiet=False)
    finally:
        admin.dispose()


# ------------------------------------------------------------------ a database of distil's own


def scratch_name(pid: int | None = None) -> str:
    """``distil_scratch_<host>_<pid>_<random>``: whose it is, and unique."""
    return (
        f"{SCRATCH_PREFIX}{host_tag()}_{os.getpid() if pid is None else pid}_{secrets.token_hex(4)}"
    )


def host_tag() -> str:
    """This machine and process namespace: its host name, and on Linux the pid namespace (two
    containers may share a host name, never a pid namespace), so a pid in a name is one to ask
    ``os.kill`` about."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return hashlib.sha256(f"{socket.gethostname()}|{namespace}".encode()).hexdigest()[:8]


def owner_pid(name: str) -> int | None:
    """The pid of the process on this machine that made scratch database ``name``, or None."""
    parts = name[len(SCRATCH_PREFIX) :].split("_") if name.startswith(SCRATCH_PREFIX) else []
    if len(parts) != 3 or parts[0] != host_tag() or not parts[1].isdigit():
        return None
    return int(parts[1])


@contextmanager
def _created(parsed: sa.URL) -> Iterator[sa.Engine]:
    import sqlalchemy as sa

    from distil.dialects.registry import create_engine, impl_for

    impl = impl_for(parsed.get_dialect()())
    admin = _admin_engine(parsed, impl)
    try:
        _sweep(admin, impl)
        name = scratch_name()
        made, failed = True, False
        try:
            try:
                with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql(impl.create_database_sql(name))
            except sa.exc.DBAPIError as error:
                made = False  # the server refused: there is nothing to drop
                raise _cannot_create(parsed, impl, error) from None
            scratch_url = parsed.set(database=name).render_as_string(hide_password=False)
            engine, _ = create_engine(scratch_url, share_statements=True)
            try:
                yield engine
            finally:
                engine.dispose()
        except BaseException:
            failed = True
            raise
        finally:
            if made:  # also after an interrupted CREATE: the drop says IF EXISTS
                if failed or not _drop_later(admin, impl, name):
                    with _signals_deferred():
                        _drop_database(admin, impl, name, quiet=failed)
    finally:
        admin.dispose()


_dropping: list[tuple[threading.Thread, list[BaseException]]] = []


def _drop_later(admin: sa.Engine, impl: DialectImpl, name: str) -> bool:
    """In a command-line process, drop the scratch database ``name`` on a thread of its own
    while the command goes on (on PostgreSQL a drop waits for a checkpoint: seconds on a busy
    server); the process waits for it before it ends (``wait_for_drops``, an exit
    handler). False elsewhere: the caller drops it before returning."""
    from distil import process

    if not process.exit_handlers_finish_work:
        return False
    errors: list[BaseException] = []

    def drop() -> None:
        try:
            _drop_database(admin, impl, name, quiet=False)
        except BaseException as error:  # noqa: BLE001 - reported when the process waits for it
            errors.append(error)

    thread = threading.Thread(target=drop, name=f"drop {name}", daemon=True)
    if not _dropping:
        atexit.register(wait_for_drops)
    _dropping.append((thread, errors))
    thread.start()
    return True


def wait_for_drops() -> None:
    """Wait until every scratch database handed to a thread is dropped; say which could not be
    (the next run drops it once this process has ended)."""
    import sys

    while _dropping:
        thread, errors = _dropping.pop(0)
        thread.join()
        for error in errors:
            print(f"warning: {error}", file=sys.stderr)


_ADMIN_ENGINES: dict[str, sa.Engine] = {}


def _admin_engine(parsed: sa.URL, impl: DialectImpl) -> sa.Engine:
    """An engine on the server of ``parsed`` for creating, listing and dropping databases: one
    per server for the process (it opens a connection per use and keeps none, so disposing it
    closes nothing), checked once, not once for each scratch database a command uses."""
    from distil.dialects.registry import create_engine

    admin_url = parsed.set(database=impl.admin_database or parsed.database)
    key = admin_url.render_as_string(hide_password=False)
    admin = _ADMIN_ENGINES.get(key)
    if admin is None:
        admin, _ = create_engine(key, for_migration=False)
        _ADMIN_ENGINES[key] = admin
    return admin


def _drop_database(admin: sa.Engine, impl: DialectImpl, name: str, *, quiet: bool) -> None:
    import sqlalchemy as sa

    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(impl.drop_database_sql(name, force=True))
    except sa.exc.DBAPIError as error:
        if quiet:  # the error that is already on its way matters more; the sweep retries
            return
        raise DatabaseUnavailable(
            f"could not drop the scratch database {name}: "
            f"{str(error.orig).strip().splitlines()[0]}. Drop it by hand (the next run drops it "
            f"too, once this process has ended)."
        ) from None


def _sweep(admin: sa.Engine, impl: DialectImpl) -> None:
    """Drop scratch databases this machine's processes left behind when they were killed."""
    import sqlalchemy as sa

    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for name in impl.database_names(conn, SCRATCH_PREFIX):
                pid = owner_pid(name)
                if pid is None or _alive(pid):
                    continue
                try:
                    # its owner is gone, so whatever is still connected is that owner's leftover
                    # (a query the server has not noticed was abandoned)
                    conn.exec_driver_sql(impl.drop_database_sql(name, force=True))
                except sa.exc.DBAPIError:
                    pass  # not ours to drop (another user's): left alone
    except sa.exc.DBAPIError:
        pass  # the sweep is a courtesy; the run does not depend on it


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill would end the process there: never sweep
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by another user
    return True


def _cannot_create(parsed: sa.URL, impl: DialectImpl, error: Any) -> DatabaseUnavailable:
    from distil.config import mask_url

    url = mask_url(parsed.render_as_string(hide_password=False))
    reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
    user = parsed.username or "the connecting user"
    if impl.lacks_right(error):
        return DatabaseUnavailable(
            f"autogenerate and check need a scratch database, and the user {user} may not "
            f"create one on the server of {url} ({reason}): distil needs {impl.create_right} "
            f"there unless dev_url is set. Either set dev_url in the config to an empty database "
            f'of the same kind that distil may use (dev_url = "..."), or '
            f"{impl.grant_create_right(user)}."
        )
    return DatabaseUnavailable(
        f"cannot create a scratch database on the server of {url}: {reason}. Set dev_url in the "
        f"config to an empty database of the same kind that distil may use."
    )


# ------------------------------------------------------------------ a borrowed dev_url database


@contextmanager
def _borrowed(url: str, dev_url: str) -> Iterator[sa.Engine]:
    from distil.dialects.registry import create_engine, parse_url

    target, dev = parse_url(url), parse_url(dev_url)
    _refuse_other_kind(target, dev)
    if same_database(target, dev):
        raise _is_target(dev)
    engine, impl = create_engine(dev_url)
    try:
        with engine.connect() as guard:
            _refuse_target_by_identity(url, dev, guard, impl)
            try:
                impl.acquire_lock(guard, BORROW_LOCK_KEY, BORROW_WAIT)
            except LockTimeout:
                raise LockTimeout(
                    f"another distil process has been using the dev_url database "
                    f"{_masked(dev)} for more than {BORROW_WAIT:g} s; wait for it to finish, or "
                    f"give each concurrent run its own dev_url database."
                ) from None
            before: list[ScratchObject] | None = None
            failed = False
            try:
                before = impl.scratch_objects(guard)
                guard.commit()
                _refuse_content(dev, before)
                yield engine
            except BaseException:
                failed = True
                raise
            finally:
                with _signals_deferred():
                    _remove_created(guard, impl, before, quiet=failed)
                    impl.release_lock(guard, BORROW_LOCK_KEY)
    finally:
        engine.dispose()


def _remove_created(
    conn: sa.Connection, impl: DialectImpl, before: list[ScratchObject] | None, *, quiet: bool
) -> None:
    """Drop every object that is in the database now and was not before (a few passes, so that
    objects another one depends on go too)."""
    import sqlalchemy as sa

    if before is None:
        return
    kept = {(o.kind, o.name) for o in before}
    conn.rollback()
    problem = ""
    for _ in range(4):
        created = [o for o in impl.scratch_objects(conn) if (o.kind, o.name) not in kept]
        conn.rollback()
        if not created:
            return
        for item in created:
            try:
                conn.exec_driver_sql(item.drop_sql, execution_options=RAW)
                conn.commit()
            except sa.exc.DBAPIError as error:
                conn.rollback()
                problem = f"{item.kind} {item.name}: {str(error.orig).strip().splitlines()[0]}"
    if not quiet:
        raise DatabaseUnavailable(
            f"could not remove what distil created in the dev_url database "
            f"({problem or 'objects kept coming back'}). Remove it by hand: distil refuses a "
            f"dev_url database that is not empty."
        )


def _refuse_other_kind(target: sa.URL, dev: sa.URL) -> None:
    def family(url: sa.URL) -> str:
        name = url.get_backend_name()
        return "mysql" if name in ("mysql", "mariadb") else name

    if family(target) != family(dev):
        raise ConfigError(
            f"dev_url ({_masked(dev)}) is a {dev.get_backend_name()} database, but url is "
            f"{target.get_backend_name()}: the scratch database must be of the same kind as the "
            f"database distil migrates. Point dev_url at an empty {target.get_backend_name()} "
            f"database, or remove it."
        )


_LOOPBACK = {"", "localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"}


def same_database(a: sa.URL, b: sa.URL) -> bool:
    """Whether two server URLs name the same database, by their text: host (local names and
    addresses are one), port (the default spelled out or not) and database."""
    from distil.dialects.registry import impl_for

    def where(url: sa.URL) -> tuple[str, int | None, str | None]:
        host = (url.host or "").lower()
        if (
            host in _LOOPBACK
            or host in _local_names()
            or url.query.get("host")
            or (url.query.get("unix_socket"))
        ):
            host = "localhost"
        port = url.port or impl_for(url.get_dialect()()).default_port
        database = url.database
        if not database and url.get_backend_name() == "postgresql":
            database = url.username  # libpq's default database is the user's name
        return host, port, database

    return where(a) == where(b)


def _local_names() -> set[str]:
    try:
        names = {socket.gethostname().lower(), socket.getfqdn().lower()}
    except OSError:
        return set()
    return names


def _refuse_target_by_identity(
    url: str, dev: sa.URL, guard: sa.Connection, impl: DialectImpl
) -> None:
    """Ask both servers who they are: another name for the same server (an alias, a socket, a
    proxy port) cannot slip through."""
    from distil.dialects.registry import create_engine

    mine = impl.server_identity(guard)
    guard.commit()
    if mine is None:
        return
    target, _ = create_engine(url, for_migration=False)
    try:
        with target.connect() as conn:
            theirs = impl.server_identity(conn)
    finally:
        target.dispose()
    if mine == theirs:
        raise _is_target(dev)


def _is_target(dev: sa.URL) -> ConfigError:
    return ConfigError(
        f"dev_url ({_masked(dev)}) names the database distil migrates. autogenerate and check "
        f"create tables in the dev_url database and remove them again, so it must be a separate, "
        f"empty database: point dev_url at one (for example CREATE DATABASE app_dev on the same "
        f"server), or remove dev_url to let distil create a throwaway database itself. Nothing "
        f"was changed."
    )


def _refuse_content(dev: sa.URL, before: list[ScratchObject]) -> None:
    content = [o for o in before if o.kind != "extension"]
    if not content:
        return
    shown = ", ".join(f"{o.kind} {o.name}" for o in content[:5])
    more = f" and {len(content) - 5} more" if len(content) > 5 else ""
    raise ConfigError(
        f"the dev_url database {_masked(dev)} is not empty: it holds {len(content)} object(s) "
        f"({shown}{more}). distil borrows dev_url as a scratch database and removes what it "
        f"creates there, so it only takes an empty one and never touches what is already in it. "
        f"Point dev_url at an empty database (for example CREATE DATABASE app_dev), or remove "
        f"dev_url to let distil create a throwaway database itself. Nothing was changed. (If a "
        f"distil run was killed while it used this database, these are its leftovers: distil "
        f"cannot tell them from yours, so empty the database yourself.)"
    )


def _masked(url: sa.URL) -> str:
    from distil.config import mask_url

    return mask_url(url.render_as_string(hide_password=False))


# ------------------------------------------------------------------ signals


@contextmanager
def _unwind_on_sigterm() -> Iterator[None]:
    """While a scratch database exists, SIGTERM unwinds like Ctrl-C (``KeyboardInterrupt``), so
    the code that removes it runs. A handler the host program installed is left alone."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is not signal.SIG_DFL:
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the cleanup inside has finished, then interrupt."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def note(signum: int, frame: Any) -> None:
        caught.append(signum)

    previous = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(number)
        if handler is not signal.SIG_IGN:
            previous[number] = handler
            signal.signal(number, note)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if caught:
            raise KeyboardInterrupt


BATCH = 300  # statements per round trip: few round trips, and locks released between batches


def send_script(conn: sa.Connection, statements: list[str], *, commit: bool = True) -> bool:
    """Run ``statements`` in batches of one round trip each, where the driver allows it.

    Only psycopg takes several statements in one ``execute`` without parameters; for other
    drivers this returns False and the caller runs the statements its own way. Each batch is
    committed (unless ``commit`` is false: the caller rolls back), as is what the caller sent
    before it: a scratch database needs no atomicity, and PostgreSQL's lock table does not fill
    up on thousands of tables. If it fills up all the same (``out of shared memory``: other
    sessions hold most of the server's lock slots), the batch was rolled back, and it is sent
    again in halves, down to one statement at a time, before the error is reported.
    """
    from distil.dialects.base import takes_scripts

    if not takes_scripts(conn):
        return False
    if commit:
        conn.commit()  # a batch rolled back for a retry must not take the caller's work along
        conn.begin()
    _send_batches(conn, statements, commit=commit)
    return True


def _send_batches(
    conn: sa.Connection,
    statements: list[str],
    *,
    commit: bool,
    stop: threading.Event | None = None,
) -> None:
    for start in range(0, len(statements), BATCH):
        if stop is not None and stop.is_set():
            return
        _send_batch(conn, statements[start : start + BATCH], commit=commit)


def send_split(
    conn: sa.Connection,
    engine: sa.Engine,
    first: list[str],
    parts: list[list[str]],
    last: list[str],
) -> None:
    """Send ``first`` on ``conn``, then each of ``parts`` on a connection of its own (``conn``
    takes the first) at the same time, then ``last`` on ``conn``; each in committed batches as
    ``send_script`` sends them (the driver must take scripts). The parts must not depend on one
    another. A part that fails stops the others after their current batch, and its error is
    raised as ``send_script`` raises it; so is an interrupt, after the other connections'
    statements are cancelled and their threads have ended."""
    import sqlalchemy as sa

    assert send_script(conn, first)
    stop = threading.Event()
    errors: list[BaseException] = []
    others: list[sa.Connection] = []
    threads: list[threading.Thread] = []

    def send(other: sa.Connection, statements: list[str]) -> None:
        try:
            _send_batches(other, statements, commit=True, stop=stop)
        except BaseException as error:  # noqa: BLE001 - raised by the caller's thread
            errors.append(error)
            stop.set()

    try:
        for part in parts[1:]:
            other = engine.connect()
            others.append(other)
            other.begin()
            threads.append(threading.Thread(target=send, args=(other, part), daemon=True))
        for thread in threads:
            thread.start()
        try:
            _send_batches(conn, parts[0] if parts else [], commit=True, stop=stop)
        except BaseException:
            stop.set()
            raise
        for thread in threads:
            thread.join()
    except BaseException:
        stop.set()
        for other in others:
            _cancel(other)
        for thread in threads:
            if thread.is_alive():
                thread.join()
        raise
    finally:
        for other in others:
            try:
                other.close()
            except sa.exc.DBAPIError:
                pass  # a connection whose statement was cancelled: the error already raised counts
    if errors:
        raise errors[0]
    _send_batches(conn, last, commit=True)


def _cancel(conn: sa.Connection) -> None:
    """Cancel the statement running on ``conn`` from another thread, if it still runs one."""
    try:
        raw = conn.connection.dbapi_connection
        cancel = getattr(raw, "cancel_safe", None) or getattr(raw, "cancel", None)
        if cancel is not None:
            cancel()
    except Exception:  # noqa: BLE001 - the connection may be gone already: nothing to cancel
        pass


OUT_OF_MEMORY = "53200"  # PostgreSQL's SQLSTATE of "out of shared memory" (the lock table)


def _send_batch(conn: sa.Connection, statements: list[str], *, commit: bool) -> None:
    import sqlalchemy as sa

    raw = conn.connection.dbapi_connection
    assert raw is not None
    script = ";\n".join(statements)
    try:
        cursor = raw.cursor()
        try:
            cursor.execute(script)
        finally:
            cursor.close()
    except Exception as error:  # noqa: BLE001 - reported like any other DDL failure
        retry = commit and len(statements) > 1 and getattr(error, "sqlstate", None) == OUT_OF_MEMORY
        if not retry:
            raise sa.exc.DBAPIError(script[:300], None, error) from None  # type: ignore[arg-type]
        conn.rollback()  # the batch alone: everything before it is committed
        conn.begin()
        half = len(statements) // 2
        _send_batch(conn, statements[:half], commit=commit)
        _send_batch(conn, statements[half:], commit=commit)
        return
    if commit:
        conn.commit()
        conn.begin()
