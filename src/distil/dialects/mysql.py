"""MySQL and MariaDB: no transactional DDL, ``GET_LOCK``, and column restatement.

Every DDL statement commits implicitly, so the runner records statement-level progress and a
failure says which statements of the migration already ran. ``ALTER TABLE ... MODIFY`` restates
the whole column; what the migration does not say (``existing_*``) is read from the live table,
so ``alter_column(nullable=False)`` alone keeps the column's type, default, comment and
AUTO_INCREMENT. Dropping a constraint needs its kind; when not given, it is looked up.

An AUTO_INCREMENT column must lead a key (error 1075): ``alter_column(autoincrement=True)`` and
dropping a primary key are refused beforehand, with what to do instead, when they would leave it
without one. Switching AUTO_INCREMENT on keeps rows that hold 0 as they are (MariaDB would
otherwise renumber them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from distil.dialects.base import DialectImpl, ScratchObject, compiled_once, translates_schemas
from distil.errors import LockTimeout, OperationError
from distil.ops.columns import UNCHANGED

if TYPE_CHECKING:
    import sqlalchemy as sa

    from distil.ops.columns import AlterColumn
    from distil.ops.constraints import DropConstraint, DropIndex
    from distil.runtime.context import MigrationContext


def _register_generated_column_ddl() -> None:
    """MariaDB refuses ``NOT NULL`` on a generated column (``GENERATED ALWAYS AS (...) STORED
    NOT NULL`` is a syntax error; MySQL 8 accepts it), which SQLAlchemy writes for a computed
    column declared non-nullable. On MariaDB the clause is left out: a generated column holds
    what its expression gives, and MariaDB reports it nullable either way."""
    from sqlalchemy.ext.compiler import compiles
    from sqlalchemy.schema import CreateColumn

    @compiles(CreateColumn, "mysql")
    @compiles(CreateColumn, "mariadb")
    def _create_column(element: Any, compiler: Any, **kw: Any) -> str:
        text: str = compiler.visit_create_column(element, **kw)
        column = element.element
        if column.computed is None or not getattr(compiler.dialect, "is_mariadb", False):
            return text
        generated = compiler.process(column.computed)
        return text.replace(f"{generated} NOT NULL", generated, 1)


_register_generated_column_ddl()

_DROP_BY_KIND = {
    "foreignkey": "DROP FOREIGN KEY {name}",
    "unique": "DROP INDEX {name}",
    "primary": "DROP PRIMARY KEY",
    "check": "DROP CONSTRAINT {name}",
}
_KIND_BY_SERVER_NAME = {
    "FOREIGN KEY": "foreignkey",
    "UNIQUE": "unique",
    "PRIMARY KEY": "primary",
    "CHECK": "check",
}


# DDL that runs inside a compound statement as it runs alone (``after_writes``)
_COMPOUND_DDL = re.compile(
    r"\s*(?:ALTER\s+TABLE|CREATE\s+(?:UNIQUE\s+)?(?:INDEX|TABLE)|DROP\s+(?:INDEX|TABLE)"
    r"|RENAME\s+TABLE)\s",
    re.IGNORECASE,
)
_SERVER_STATUS_IN_TRANS = 1  # the server's status flag: a transaction is open
_IMPLICIT_COMMIT_PREFIXES = ("CREATE", "ALTER", "DROP", "RENAME", "TRUNCATE", "COMMIT")
# Everything reflection reads of a database's tables, one row each, in one round trip.
_FINGERPRINT_QUERY = " UNION ALL ".join(
    (
        "SELECT CONCAT_WS(':', 't', TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION, "
        "TABLE_COMMENT) AS x FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE(){only}",
        "SELECT CONCAT_WS(':', 'c', TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, "
        "IS_NULLABLE, IFNULL(COLUMN_DEFAULT, '~null~'), EXTRA, COLUMN_COMMENT, "
        "IFNULL(COLLATION_NAME, '')) FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE(){only}",
        "SELECT CONCAT_WS(':', 'i', TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, IFNULL(COLUMN_NAME, ''), "
        "NON_UNIQUE, IFNULL(SUB_PART, '')) FROM information_schema.STATISTICS "
        "WHERE TABLE_SCHEMA = DATABASE(){only}",
        "SELECT CONCAT_WS(':', 'k', TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE) "
        "FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE(){only}",
        "SELECT CONCAT_WS(':', 'x', TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE) "
        "FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE(){only}",
        "SELECT CONCAT_WS(':', 'f', TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, "
        "REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME) FROM information_schema.KEY_COLUMN_USAGE "
        "WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL{only}",
        # what else a statement can create: triggers, views, routines, events (sequences are
        # rows of TABLES)
        "SELECT CONCAT_WS(':', 'g', TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, "
        "EVENT_MANIPULATION, ACTION_ORDER, MD5(ACTION_STATEMENT)) FROM information_schema.TRIGGERS "
        "WHERE TRIGGER_SCHEMA = DATABASE()",
        "SELECT CONCAT_WS(':', 'v', TABLE_NAME, MD5(VIEW_DEFINITION), CHECK_OPTION, SECURITY_TYPE) "
        "FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()",
        "SELECT CONCAT_WS(':', 'r', ROUTINE_TYPE, ROUTINE_NAME, MD5(ROUTINE_DEFINITION), "
        "LAST_ALTERED) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()",
        "SELECT CONCAT_WS(':', 'e', EVENT_NAME, MD5(EVENT_DEFINITION), STATUS, LAST_ALTERED) "
        "FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()",
    )
)
# DDL of objects other than tables and indexes: its digest covers the whole database, even when
# the statement names tables (a trigger's table, a procedure body's CREATE TABLE)
_OTHER_OBJECT_DDL = re.compile(
    r"^\s*(?:CREATE|ALTER|DROP)\s+(?:OR\s+REPLACE\s+|DEFINER\s*=\s*\S+\s+|SQL\s+SECURITY\s+\w+\s+"
    r"|ALGORITHM\s*=\s*\w+\s+|AGGREGATE\s+)*(?:TRIGGER|VIEW|PROCEDURE|FUNCTION|EVENT|SEQUENCE)\b",
    re.IGNORECASE,
)


class MysqlImpl(DialectImpl):
    name = "mysql"
    supports_transactional_ddl = False
    supports_comments = True
    system_schemas = frozenset({"information_schema", "mysql", "performance_schema", "sys"})
    # MODIFY of a column a foreign key uses, on either side, is refused (errors 1832, 1833)
    foreign_keys_block_type_change = True
    begin_sql = "START TRANSACTION"
    utc_now_sql = "UTC_TIMESTAMP(6)"

    def engine_options(self, url: Any, lock_timeout: float) -> dict[str, Any]:
        return {"connect_args": {"connect_timeout": 10}}

    def configure_engine(self, engine: sa.Engine) -> None:
        """PyMySQL sends ``COMMIT`` whenever it is asked to; the server's status, which comes
        with every answer, says whether a transaction is open. When none is (a DDL statement
        committed implicitly, or ``execute_and_commit`` committed), the commit sends nothing."""
        dialect: Any = engine.dialect
        if dialect.driver != "pymysql" or getattr(dialect, "_distil_commits_if_open", False):
            return
        dialect._distil_commits_if_open = True
        commit = dialect.do_commit

        def do_commit(dbapi_connection: Any) -> None:
            status = getattr(dbapi_connection, "server_status", None)
            if isinstance(status, int) and not status & _SERVER_STATUS_IN_TRANS:
                return
            commit(dbapi_connection)

        dialect.do_commit = do_commit  # type: ignore[method-assign]

    def execute_and_commit(
        self,
        ctx: MigrationContext,
        statements: Sequence[tuple[Any, dict[str, Any]]],
        *,
        wait_for_disk: bool = True,
    ) -> bool:
        """MariaDB: the statements and ``COMMIT`` in one compound statement (``BEGIN NOT
        ATOMIC ... END``), which the server takes as one statement, without the client's
        multi-statement mode; the values are the driver's parameters. The server stops at a
        failing statement and returns its error: nothing after it runs, and the caller rolls
        back. Two round trips less per migration (the progress rows' delete and the COMMIT)."""
        conn = ctx.connection
        if (
            conn is None
            or not getattr(self.sa_dialect, "is_mariadb", False)
            or conn.in_nested_transaction()
            or translates_schemas(conn)
        ):
            return False
        parts: list[str] = []
        named: dict[str, Any] = {}
        positional: list[Any] = []
        for number, (statement, values) in enumerate(statements):
            compiled = compiled_once(self, statement, values)
            bound = compiled.construct_params(values)
            text = compiled.string
            if compiled.positional:
                positional.extend(bound[key] for key in compiled.positiontup or ())
            else:
                for key, value in bound.items():
                    text = text.replace(f"%({key})s", f"%(s{number}_{key})s")
                    named[f"s{number}_{key}"] = value
            parts.append(text)
        if named and positional:
            return False
        sql = "BEGIN NOT ATOMIC\n" + "".join(f"{part};\n" for part in parts) + "COMMIT;\nEND"
        conn.exec_driver_sql(sql, named or tuple(positional))
        return True

    def acquire_lock(self, conn: sa.Connection, key: str, timeout: float) -> None:
        import sqlalchemy as sa

        got = conn.execute(
            sa.text("SELECT GET_LOCK(:name, :timeout)"),
            {"name": _lock_name(conn, key), "timeout": max(0, int(round(timeout)))},
        ).scalar()
        conn.commit()
        if got != 1:
            raise LockTimeout(
                f"another distil process has held the migration lock of this database for "
                f"more than {timeout:g} s; wait for it to finish or raise --lock-timeout."
            )

    def release_lock(self, conn: sa.Connection, key: str) -> None:
        import sqlalchemy as sa

        conn.execute(sa.text("SELECT RELEASE_LOCK(:name)"), {"name": _lock_name(conn, key)})
        conn.commit()

    def lock_holder(self, conn: sa.Connection, key: str) -> str | None:
        import sqlalchemy as sa

        holder = conn.execute(
            sa.text("SELECT IS_USED_LOCK(:name)"), {"name": _lock_name(conn, key)}
        ).scalar()
        if holder is None:
            conn.commit()
            return None
        row = conn.execute(
            sa.text("SELECT USER, HOST FROM information_schema.PROCESSLIST WHERE ID = :id"),
            {"id": holder},
        ).first()
        conn.commit()
        return f"connection {holder}" + (f" of {row[0]}@{row[1]}" if row is not None else "")

    # -- scratch databases --------------------------------------------------------------------
    scratch_holds_schemas = False
    default_port = 3306
    create_right = "the CREATE and DROP privileges on databases named distil_scratch_*"

    def grant_create_right(self, user: str) -> str:
        return f"run GRANT CREATE, DROP ON `distil\\_scratch\\_%`.* TO {user} as an administrator"

    def lacks_right(self, error: Exception) -> bool:
        orig = getattr(error, "orig", error)
        args: tuple[Any, ...] = getattr(orig, "args", ())
        return bool(args) and args[0] in (1044, 1142, 1227)

    def server_identity(self, conn: sa.Connection) -> tuple[str, ...] | None:
        row = conn.exec_driver_sql(
            "SELECT DATABASE(), @@hostname, CAST(@@port AS CHAR), @@datadir"
        ).one()
        return tuple(str(value) for value in row)

    def scratch_objects(self, conn: sa.Connection) -> list[ScratchObject]:
        rows = conn.exec_driver_sql(
            _SCRATCH_OBJECTS_QUERY, execution_options={"no_parameters": True}
        ).all()
        found = []
        for kind, name in rows:
            # no foreign key check: the tables go in any order
            prefix = "SET STATEMENT foreign_key_checks = 0 FOR " if kind == "TABLE" else ""
            found.append(
                ScratchObject(
                    kind.lower(), name, f"{prefix}DROP {kind} IF EXISTS {self.quote(name)}"
                )
            )
        return found

    def database_names(self, conn: sa.Connection, prefix: str) -> list[str]:
        import sqlalchemy as sa

        rows = conn.execute(
            sa.text(
                "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA "
                "WHERE LEFT(SCHEMA_NAME, CHAR_LENGTH(:p)) = :p ORDER BY 1"
            ),
            {"p": prefix},
        )
        return [str(name) for (name,) in rows]

    # -- statement-level progress ------------------------------------------------------------
    no_op_sql = "DO 0"

    def commits_implicitly(self, sql: str) -> bool:
        """MariaDB's "statements that cause an implicit commit": every DDL statement (also
        behind ``SET STATEMENT ... FOR``)."""
        import re

        head = sql.lstrip("( \n")
        head = re.sub(r"^SET\s+STATEMENT\s.*?\sFOR\s+", "", head, flags=re.IGNORECASE | re.DOTALL)
        return head.upper().startswith(_IMPLICIT_COMMIT_PREFIXES)

    def after_writes(
        self, cursor: Any, writes: Sequence[tuple[str, Any]], statement: str, *, formatted: bool
    ) -> str | None:
        """MariaDB: the progress rows and the DDL statement in one compound statement
        (``BEGIN NOT ATOMIC ... END``). The statement's implicit commit, made before it runs,
        commits the rows first, as when they are sent on their own; when it fails, the error
        is the statement's. Only the table and index statements distil writes, which every
        MariaDB runs inside a compound statement; others go on their own."""
        if (
            not getattr(self.sa_dialect, "is_mariadb", False)
            or not hasattr(cursor, "mogrify")
            or not _COMPOUND_DDL.match(statement)
        ):
            return None
        rows = "".join(f"{cursor.mogrify(sql, params)};\n" for sql, params in writes)
        if formatted:  # the driver formats the whole text with the statement's (no) parameters
            rows = rows.replace("%", "%%")
        return f"BEGIN NOT ATOMIC\n{rows}{statement}\n;\nEND"

    def schema_fingerprint(self, cursor: Any, statement: str = "") -> str | None:
        """sha256 over the tables, columns, indexes, constraints, triggers, views, routines,
        events and sequences ``statement`` can change.

        MariaDB (10.6+) DDL is atomic: a statement either took effect whole or not at all, so
        comparing this digest with the one taken just before the statement decides whether it ran.
        For a statement that names its tables (every DDL distil writes), only those tables are
        read, with ``SHOW CREATE TABLE`` (which states columns, keys, constraints and options),
        so the cost per statement does not grow with the database; for any other statement, the
        whole database's catalog in one query.
        """
        import hashlib
        import re

        other_objects = _OTHER_OBJECT_DDL.match(statement) is not None
        tables = [] if other_objects else sorted(affected_tables(statement))
        digest = hashlib.sha256()
        if not tables:
            cursor.execute(f"SELECT x FROM ({_FINGERPRINT_QUERY.format(only='')}) q ORDER BY x")
            for (row,) in cursor.fetchall():
                digest.update((row or "").encode() + b"\n")
            return digest.hexdigest()
        for table in tables:
            try:
                cursor.execute(f"SHOW CREATE TABLE `{table.replace('`', '``')}`")
                text = cursor.fetchone()[1]
            except Exception as error:  # noqa: BLE001 - 1146: the table does not exist
                if getattr(error, "args", (None,))[0] != 1146:
                    raise
                text = "~absent~"
            # the AUTO_INCREMENT counter moves with inserts, not with DDL
            digest.update(re.sub(r" AUTO_INCREMENT=\d+", "", text).encode() + b"\n")
        return digest.hexdigest()

    def rename_table(self, ctx: MigrationContext, old: str, new: str, schema: str | None) -> None:
        # RENAME TO an unqualified name would move the table into the default database.
        ctx.execute(
            f"ALTER TABLE {self.table_ref(old, schema)} RENAME TO {self.table_ref(new, schema)}"
        )

    def alter_column(self, ctx: MigrationContext, op: AlterColumn) -> None:
        changes = op.changes()
        if op.autoincrement is not UNCHANGED:
            changes += ("autoincrement",)
        if not changes:
            return
        table = self.table_ref(op.table_name, op.schema)
        col = self.quote(op.column_name)
        if changes == ("new_column_name",):
            ctx.execute(
                f"ALTER TABLE {table} RENAME COLUMN {col} TO {self.quote(op.new_column_name or '')}"
            )
            return
        if changes == ("server_default",):
            if op.server_default is None or op.server_default is False:
                ctx.execute(f"ALTER TABLE {table} ALTER COLUMN {col} DROP DEFAULT")
            else:
                default = self.render_server_default(op.server_default, op.type_, op.existing_type)
                ctx.execute(f"ALTER TABLE {table} ALTER COLUMN {col} SET DEFAULT {default}")
            return
        current = self._existing(ctx, op)
        type_ = op.type_ if op.type_ is not UNCHANGED else current["type"]
        nullable = op.nullable if op.nullable is not UNCHANGED else current["nullable"]
        default = op.server_default if op.server_default is not UNCHANGED else current["default"]
        comment = op.comment if op.comment is not UNCHANGED else current["comment"]
        spec = [self.compile_type(type_), "NULL" if nullable else "NOT NULL"]
        if default is not None and default is not False:
            spec.append("DEFAULT " + self._default_sql(default, type_))
        autoincrement = (
            op.autoincrement if op.autoincrement is not UNCHANGED else current["autoincrement"]
        )
        if autoincrement:
            spec.append("AUTO_INCREMENT")
        if comment:
            spec.append("COMMENT " + self.literal_sql(comment))
        prefix = ""
        if autoincrement and not current["autoincrement"]:
            if _checks_live_table(ctx):
                self._require_leading_key(ctx, op)
            if getattr(self.sa_dialect, "is_mariadb", False):
                # without it, rows holding 0 get the next generated value while the table is copied
                prefix = (
                    "SET STATEMENT sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO') FOR "
                )
        if op.new_column_name:
            ctx.execute(
                f"{prefix}ALTER TABLE {table} CHANGE {col} {self.quote(op.new_column_name)} "
                f"{' '.join(spec)}"
            )
        else:
            ctx.execute(f"{prefix}ALTER TABLE {table} MODIFY {col} {' '.join(spec)}")

    def _require_leading_key(self, ctx: MigrationContext, op: AlterColumn) -> None:
        """Refuse, with advice, AUTO_INCREMENT on a column that leads no key (error 1075)."""
        if _leading_keys(ctx, op.table_name, op.schema, op.column_name):
            return
        raise OperationError(
            f"cannot switch AUTO_INCREMENT on for {op.table_name}.{op.column_name}: MariaDB needs "
            f"the column to be the first column of a key (error 1075). Create the key first "
            f"(op.create_primary_key or a unique index on {op.column_name!r}), then switch "
            f"AUTO_INCREMENT on."
        )

    def _default_sql(self, default: Any, type_: Any) -> str:
        if isinstance(default, str) and getattr(default, "_reflected", False):
            return default
        return self.render_server_default(default, type_, None)

    def _existing(self, ctx: MigrationContext, op: AlterColumn) -> dict[str, Any]:
        """The column as it is: from ``existing_*`` when given, else from the live table."""
        given = {
            "type": op.existing_type,
            "nullable": op.existing_nullable,
            "default": op.existing_server_default,
            "comment": op.existing_comment,
            "autoincrement": op.existing_autoincrement,
        }
        needs_reflection = (op.type_ is UNCHANGED and op.existing_type is None) or (
            op.nullable is UNCHANGED and op.existing_nullable is None
        )
        if ctx.offline:
            record = ctx.column_record
            known = record.lookup(op.schema, op.table_name, op.column_name) if record else None
            if known is not None:
                recorded = known.as_existing()
                return {k: (given[k] if given[k] is not None else recorded[k]) for k in given}
            if needs_reflection:
                ctx.require_connection(
                    f"alter_column on {op.table_name}.{op.column_name} without existing_type "
                    f"and existing_nullable"
                )
            if op.existing_server_default is None and op.existing_comment is None:
                raise OperationError(
                    f"alter_column on {op.table_name}.{op.column_name} cannot be rendered with "
                    f"--sql: MODIFY restates the whole column, and neither the migration nor the "
                    f"history says what default and comment it has (its table was not created by "
                    f"a migration distil can follow, or raw SQL changed it), so they would be "
                    f"dropped. Give existing_server_default= and existing_comment= in the "
                    f"migration (existing_comment='' says the column has no comment), or run it "
                    f"online, where the live column is read."
                )
            return {**given, "autoincrement": bool(op.existing_autoincrement)}
        for column in ctx.inspector().get_columns(op.table_name, schema=op.schema):
            if column["name"] == op.column_name:
                default = column.get("default")
                if default is not None:
                    default = _Reflected(default)
                reflected = {
                    "type": column["type"],
                    "nullable": column["nullable"],
                    "default": default,
                    "comment": column.get("comment"),
                    "autoincrement": bool(column.get("autoincrement") is True),
                }
                if _checks_live_table(ctx):
                    self._warn_disagreements(ctx, op, given, reflected)
                if given["type"] is not None and self._type_text(given["type"]) is None:
                    # e.g. sa.VARCHAR() without a length, written for another database
                    ctx.warn(
                        f"revision {ctx.revision}: alter_column({op.table_name!r}, "
                        f"{op.column_name!r}): existing_type={given['type']!r} cannot be "
                        f"written on this database, so the column keeps its own type "
                        f"{self.compile_type(reflected['type'])}."
                    )
                    given = {**given, "type": None}
                return {k: (given[k] if given[k] is not None else reflected[k]) for k in given}
        raise OperationError(
            f"table {op.table_name!r} has no column {op.column_name!r}; check the name in the migration."
        )

    def _warn_disagreements(
        self,
        ctx: MigrationContext,
        op: AlterColumn,
        given: dict[str, Any],
        reflected: dict[str, Any],
    ) -> None:
        """Warn when an ``existing_*`` the migration gives differs from the live column.

        ``MODIFY`` restates the column from what the migration says, as Alembic does (the file is
        the record of what the column becomes), so a stale ``existing_*`` changes the column.
        """
        changed = {
            "type": op.type_ is not UNCHANGED,
            "nullable": op.nullable is not UNCHANGED,
            "default": op.server_default is not UNCHANGED,
            "comment": op.comment is not UNCHANGED,
        }
        found = []
        pairs = (
            ("existing_type", "type", self._type_text),
            ("existing_nullable", "nullable", lambda v: "NULL" if v else "NOT NULL"),
            ("existing_server_default", "default", self._default_text),
            ("existing_comment", "comment", lambda v: repr(v or "")),
        )
        for keyword, key, text in pairs:
            if given[key] is None or changed[key]:
                continue
            said, live = text(given[key]), text(reflected[key])
            if said is not None and live is not None and said != live:
                found.append(f"{keyword} says {said}, the column has {live}")
        if found:
            ctx.warn(
                f"revision {ctx.revision}: alter_column({op.table_name!r}, "
                f"{op.column_name!r}): {'; '.join(found)}. The migration's values are used, "
                f"as Alembic does, so the column will take them; correct the existing_* "
                f"arguments if the database is right."
            )

    def _type_text(self, type_: Any) -> str | None:
        import re

        try:
            text = self.compile_type(type_).upper()
        except Exception:  # noqa: BLE001 - a type this database cannot spell: not compared
            return None
        text = re.sub(r"\s+(CHARACTER SET|COLLATE)\s+\w+", "", text)
        text = re.sub(r"^(TINYINT|SMALLINT|MEDIUMINT|INT|INTEGER|BIGINT)\(\d+\)", r"\1", text)
        text = re.sub(r"^NUMERIC\b", "DECIMAL", text).replace(", ", ",")
        return _TYPE_ALIASES.get(text, text)

    def _default_text(self, default: Any) -> str | None:
        if default is None or default is False:
            return "no default"
        try:
            text = self._default_sql(default, None)
        except Exception:  # noqa: BLE001 - not renderable here: not compared
            return None
        text = text.strip().strip("'").replace("()", "").lower()
        try:
            return format(float(text), "g")  # 0, '0' and 0.00 are one default
        except ValueError:
            return text

    def drop_constraint(self, ctx: MigrationContext, op: DropConstraint) -> None:
        kind = op.type_ or self._constraint_kind(ctx, op)
        if kind not in _DROP_BY_KIND:
            raise OperationError(
                f"drop_constraint type_={kind!r} for {op.constraint_name!r} is not one of "
                f"{', '.join(sorted(_DROP_BY_KIND))}."
            )
        if kind == "primary" and _checks_live_table(ctx):
            self._keep_auto_increment_keyed(ctx, op)
        clause = _DROP_BY_KIND[kind].format(name=self.quote(op.constraint_name))
        ctx.execute(f"ALTER TABLE {self.table_ref(op.table_name, op.schema)} {clause}")

    def _keep_auto_increment_keyed(self, ctx: MigrationContext, op: DropConstraint) -> None:
        """Refuse, with advice, dropping the only key of an AUTO_INCREMENT column (error 1075)."""
        columns = ctx.inspector().get_columns(op.table_name, schema=op.schema)
        auto = next((c["name"] for c in columns if c.get("autoincrement") is True), None)
        if auto is None or _leading_keys(ctx, op.table_name, op.schema, auto) != ["PRIMARY"]:
            return
        raise OperationError(
            f"cannot drop the primary key of {op.table_name}: it is the only key of its "
            f"AUTO_INCREMENT column {auto!r}, and MariaDB refuses to leave that column without one "
            f"(error 1075). Switch AUTO_INCREMENT off first (op.alter_column({op.table_name!r}, "
            f"{auto!r}, autoincrement=False)), and back on after the new key is created if the "
            f"column keeps it (autoincrement=True)."
        )

    def _constraint_kind(self, ctx: MigrationContext, op: DropConstraint) -> str:
        import sqlalchemy as sa

        if ctx.offline:
            raise OperationError(
                f"drop_constraint({op.constraint_name!r}) needs type_= ('foreignkey', 'unique', "
                f"'check' or 'primary') on MySQL/MariaDB when rendering --sql."
            )
        row = ctx.execute(
            sa.text(
                "SELECT CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS "
                "WHERE TABLE_SCHEMA = coalesce(:schema, DATABASE()) AND TABLE_NAME = :table "
                "AND CONSTRAINT_NAME = :name"
            ),
            {"schema": op.schema, "table": op.table_name, "name": op.constraint_name},
        ).first()
        if row is None:
            raise OperationError(
                f"table {op.table_name!r} has no constraint named {op.constraint_name!r}."
            )
        return _KIND_BY_SERVER_NAME[row[0]]

    def drop_index(self, ctx: MigrationContext, op: DropIndex) -> None:
        import sqlalchemy as sa

        table_name = op.table_name
        if table_name is None:
            if ctx.offline:
                raise OperationError(
                    f"drop_index({op.index_name!r}) needs table_name= on MySQL/MariaDB."
                )
            row = ctx.execute(
                sa.text(
                    "SELECT DISTINCT TABLE_NAME FROM information_schema.STATISTICS "
                    "WHERE TABLE_SCHEMA = coalesce(:schema, DATABASE()) AND INDEX_NAME = :name"
                ),
                {"schema": op.schema, "name": op.index_name},
            ).first()
            if row is None:
                raise OperationError(f"no index named {op.index_name!r} exists.")
            table_name = row[0]
        exists = "IF EXISTS " if op.if_exists else ""
        ctx.execute(
            f"DROP INDEX {exists}{self.quote(op.index_name)} ON {self.table_ref(table_name, op.schema)}"
        )


# Spellings of one type: what SQLAlchemy compiles and what MariaDB reports.
_TYPE_ALIASES = {"INTEGER": "INT", "BOOL": "TINYINT", "BOOLEAN": "TINYINT"}

# What a model build or a migration can create in a database: tables, views, sequences,
# routines, events (triggers go with their tables).
_SCRATCH_OBJECTS_QUERY = (
    "SELECT CASE TABLE_TYPE WHEN 'VIEW' THEN 'VIEW' WHEN 'SEQUENCE' THEN 'SEQUENCE' "
    "ELSE 'TABLE' END, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
    "UNION ALL SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES "
    "WHERE ROUTINE_SCHEMA = DATABASE() "
    "UNION ALL SELECT 'EVENT', EVENT_NAME FROM information_schema.EVENTS "
    "WHERE EVENT_SCHEMA = DATABASE()"
)


class _Reflected(str):
    """A default already in the server's SQL spelling (from reflection): used verbatim."""

    _reflected = True


def _checks_live_table(ctx: MigrationContext) -> bool:
    """Online, and not for a statement an interrupted run already sent (the table may be past
    it; the replay decides by the statement's record)."""
    replaying = ctx.progress is not None and ctx.progress.replaying
    return not ctx.offline and not replaying


def _leading_keys(
    ctx: MigrationContext, table_name: str, schema: str | None, column: str
) -> list[str]:
    """The keys (``PRIMARY`` and index names) whose first column is ``column``: the keys that
    can serve an AUTO_INCREMENT column."""
    inspector = ctx.inspector()
    found = []
    primary = inspector.get_pk_constraint(table_name, schema=schema)
    if (primary.get("constrained_columns") or [])[:1] == [column]:
        found.append("PRIMARY")
    for index in inspector.get_indexes(table_name, schema=schema):
        if (index.get("column_names") or [])[:1] == [column]:
            found.append(str(index["name"]))
    return found


def _lock_name(conn: sa.Connection, key: str) -> str:
    database = conn.engine.url.database or ""
    return f"distil:{database}:{key}"[:64]


_NAME = r"(?:`(?:[^`]|``)+`|[\w$]+)(?:\.(?:`(?:[^`]|``)+`|[\w$]+))?"
_TABLE_PATTERNS = (
    rf"\b(?:CREATE|ALTER|DROP|TRUNCATE)\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?({_NAME})",
    rf"\bRENAME\s+TABLE\s+({_NAME})\s+TO\s+({_NAME})",
    rf"\bRENAME\s+TO\s+({_NAME})",
    rf"\bINDEX\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?{_NAME}\s+ON\s+({_NAME})",
)


def affected_tables(statement: str) -> set[str]:
    """The unqualified names of the tables a DDL statement names (empty when it names none)."""
    import re

    found: set[str] = set()
    for pattern in _TABLE_PATTERNS:
        for match in re.finditer(pattern, statement, flags=re.IGNORECASE):
            for name in match.groups():
                last = re.findall(r"`((?:[^`]|``)+)`|([\w$]+)", name)[-1]
                found.add((last[0].replace("``", "`")) if last[0] else last[1])
    return found
