"""Before/after model pairs, as data: what autogenerate must detect, apply and undo.

Each ``Scenario`` holds the source of two models modules (each defines ``metadata``), the rows
to insert once the first is applied, and the dialects that cannot express it (with the reason).
The runner in ``test_scenarios.py`` applies both versions, judges the result by reflection
against ``create_all`` in a fresh database, and downgrades again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

PRELUDE = """\
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

metadata = sa.MetaData()
"""

NO_SQLITE_COMMENTS = {"sqlite": "SQLite has no table or column comments"}
PG_ONLY_ENUM = {
    "sqlite": "SQLite has no enum types",
    "mariadb": "MariaDB has no named enum types (ENUM is a column type, see mariadb_* scenarios)",
}
PG_ONLY = {"sqlite": "PostgreSQL-only feature", "mariadb": "PostgreSQL-only feature"}
MARIADB_ONLY = {"sqlite": "MariaDB-only type", "postgresql": "MariaDB-only type"}
NO_SQLITE_TIMEZONE = {
    "sqlite": "SQLite spells DATETIME the same with or without a time zone",
    "mariadb": "MariaDB DATETIME has no time zone: DateTime(timezone=True) is plain DATETIME",
}


@dataclass(frozen=True)
class Scenario:
    name: str
    before: str
    after: str
    rows: tuple[str, ...] = ()
    skip: Mapping[str, str] = field(default_factory=dict)

    def source(self, version: str) -> str:
        return PRELUDE + (self.before if version == "before" else self.after)


def users(*extra: str, name: str = "users", label: str = "sa.String(50)") -> str:
    """A small table with an id, a name column and ``extra`` column/constraint lines."""
    lines = [
        'sa.Column("id", sa.Integer, primary_key=True)',
        f'sa.Column("name", {label})',
        *extra,
    ]
    body = "".join(f"    {line},\n" for line in lines)
    return f'{name} = sa.Table(\n    "{name}",\n    metadata,\n{body})\n'


USERS_ROWS = (
    "INSERT INTO users (id, name) VALUES (1, 'ann')",
    "INSERT INTO users (id, name) VALUES (2, 'bob')",
)


def memberships(user_id: str, team_id: str) -> str:
    """A two-column table; each argument is what follows the column's name in ``sa.Column``."""
    return (
        'memberships = sa.Table(\n    "memberships",\n    metadata,\n'
        f'    sa.Column("user_id", {user_id}),\n    sa.Column("team_id", {team_id}),\n)\n'
    )


KEY_NO_AUTO = "sa.Integer, primary_key=True, autoincrement=False"
MEMBERSHIP_ROWS = ("INSERT INTO memberships (user_id, team_id) VALUES (1, 2)",)

PARENT = users(name="parent")
PARENT_ROWS = ("INSERT INTO parent (id, name) VALUES (1, 'p1')",)


def child(*extra: str) -> str:
    return users('sa.Column("parent_id", sa.Integer)', *extra, name="child")


CHILD_ROWS = (*PARENT_ROWS, "INSERT INTO child (id, name, parent_id) VALUES (1, 'c1', 1)")

TROUBLESOME = users(
    'sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true())',
    'sa.Column("ratio", sa.Float)',
    'sa.Column("seen_at", sa.DateTime(timezone=True))',
    'sa.Column("created_at", sa.DateTime, server_default=sa.func.now())',
    'sa.Column("hits", sa.Integer, nullable=False, server_default=sa.text("0"))',
    'sa.Column("mood", sa.Enum("happy", "sad", name="mood"))',
    'sa.Column("size", sa.Enum("s", "m", "l", name="size", native_enum=False))',
    'sa.Column("flag", sa.Boolean(create_constraint=True, name="ck_flag"))',
    'sa.Column("note", sa.Text)',
    name="things",
    label="sa.String(80)",
)

CONVENTION = """\
metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
"""

SCENARIOS: tuple[Scenario, ...] = (
    # -- tables ------------------------------------------------------------------------------
    Scenario("table_added", users(), users() + users(name="posts"), USERS_ROWS),
    Scenario("table_dropped", users() + users(name="posts"), users(), USERS_ROWS),
    Scenario(
        "table_comment_added",
        users(),
        users('comment="people who sign in"'),
        USERS_ROWS,
        NO_SQLITE_COMMENTS,
    ),
    Scenario(
        "table_comment_changed_and_removed",
        users('comment="old words"') + users('comment="stays"', name="posts"),
        users('comment="new words"') + users(name="posts"),
        USERS_ROWS,
        NO_SQLITE_COMMENTS,
    ),
    # -- columns -----------------------------------------------------------------------------
    Scenario("column_added", users(), users('sa.Column("age", sa.Integer)'), USERS_ROWS),
    Scenario(
        "column_added_not_null_with_default",
        users(),
        users('sa.Column("score", sa.Integer, nullable=False, server_default="7")'),
        USERS_ROWS,
    ),
    Scenario("column_dropped", users('sa.Column("age", sa.Integer)'), users(), USERS_ROWS),
    Scenario("string_longer", users(), users(label="sa.String(120)"), USERS_ROWS),
    Scenario("string_shorter", users(label="sa.String(120)"), users(), USERS_ROWS),
    Scenario(
        "numeric_precision_and_scale",
        users('sa.Column("price", sa.Numeric(10, 2))'),
        users('sa.Column("price", sa.Numeric(14, 4))'),
        ("INSERT INTO users (id, name, price) VALUES (1, 'ann', 12.5)",),
    ),
    Scenario(
        "integer_to_bigint",
        users('sa.Column("visits", sa.Integer)'),
        users('sa.Column("visits", sa.BigInteger)'),
        ("INSERT INTO users (id, name, visits) VALUES (1, 'ann', 3)",),
    ),
    Scenario(
        "datetime_gains_timezone",
        users('sa.Column("seen_at", sa.DateTime)'),
        users('sa.Column("seen_at", sa.DateTime(timezone=True))'),
        ("INSERT INTO users (id, name, seen_at) VALUES (1, 'ann', '2024-01-02 03:04:05')",),
        NO_SQLITE_TIMEZONE,
    ),
    Scenario(
        "collation_changed",
        users(),
        users(label='sa.String(50, collation="C")'),
        USERS_ROWS,
        {
            "sqlite": "SQLite reflection does not report a column's collation",
            "mariadb": "covered by mariadb_collation_changed (MariaDB has no collation named C)",
        },
    ),
    Scenario(
        "mariadb_collation_changed",
        users(),
        users(label='sa.String(50, collation="utf8mb4_bin")'),
        USERS_ROWS,
        MARIADB_ONLY,
    ),
    Scenario("becomes_not_null", users(), users(label="sa.String(50), nullable=False"), USERS_ROWS),
    Scenario("becomes_nullable", users(label="sa.String(50), nullable=False"), users(), USERS_ROWS),
    Scenario(
        "server_default_added",
        users(),
        users(label='sa.String(50), server_default="anon"'),
        USERS_ROWS,
    ),
    Scenario(
        "server_default_changed",
        users(label='sa.String(50), server_default="anon"'),
        users(label='sa.String(50), server_default="nobody"'),
        USERS_ROWS,
    ),
    Scenario(
        "server_default_removed",
        users('sa.Column("hits", sa.Integer, server_default=sa.text("0"))'),
        users('sa.Column("hits", sa.Integer)'),
        USERS_ROWS,
    ),
    Scenario(
        "identity_table_added",
        users(),
        users()
        + """\
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True, start=10), primary_key=True),
    sa.Column("body", sa.Text),
)
""",
        USERS_ROWS,
    ),
    Scenario(
        "identity_column_added",
        users(),
        users('sa.Column("seq", sa.Integer, sa.Identity(start=100), nullable=False)'),
        USERS_ROWS,
        {"sqlite": "SQLite has no identity columns", "mariadb": "MariaDB has no identity columns"},
    ),
    Scenario(
        "identity_always_becomes_by_default",
        users('sa.Column("seq", sa.Integer, sa.Identity(always=True), nullable=False)'),
        users('sa.Column("seq", sa.Integer, sa.Identity(), nullable=False)'),
        USERS_ROWS,
        {"sqlite": "SQLite has no identity columns", "mariadb": "MariaDB has no identity columns"},
    ),
    Scenario(
        "identity_added_to_a_column",
        users('sa.Column("seq", sa.Integer, nullable=False, server_default=sa.text("0"))'),
        users('sa.Column("seq", sa.Integer, sa.Identity(start=50), nullable=False)'),
        USERS_ROWS,
        {"sqlite": "SQLite has no identity columns", "mariadb": "MariaDB has no identity columns"},
    ),
    Scenario(
        "identity_removed_from_a_column",
        users('sa.Column("seq", sa.Integer, sa.Identity(), nullable=False)'),
        users('sa.Column("seq", sa.Integer, nullable=False)'),
        USERS_ROWS,
        {"sqlite": "SQLite has no identity columns", "mariadb": "MariaDB has no identity columns"},
    ),
    Scenario(
        "autoincrement_turned_on",
        users(label="sa.String(50)").replace(
            "primary_key=True", "primary_key=True, autoincrement=False"
        ),
        users(),
        USERS_ROWS,
        {
            "sqlite": "an INTEGER PRIMARY KEY is always the rowid in SQLite",
        },
    ),
    Scenario(
        "autoincrement_turned_on_with_a_wider_type",
        users().replace("primary_key=True", "primary_key=True, autoincrement=False"),
        users().replace('"id", sa.Integer', '"id", sa.BigInteger'),
        USERS_ROWS,
    ),
    Scenario(
        "computed_column_added",
        users('sa.Column("price", sa.Integer)', 'sa.Column("qty", sa.Integer)'),
        users(
            'sa.Column("price", sa.Integer)',
            'sa.Column("qty", sa.Integer)',
            'sa.Column("total", sa.Integer, sa.Computed("price * qty"))',
        ),
        ("INSERT INTO users (id, name, price, qty) VALUES (1, 'ann', 3, 4)",),
    ),
    Scenario(
        "column_comment_added_and_changed",
        users('sa.Column("age", sa.Integer, comment="in years")'),
        users(
            'sa.Column("age", sa.Integer, comment="whole years")',
            label='sa.String(50), comment="display name"',
        ),
        USERS_ROWS,
        NO_SQLITE_COMMENTS,
    ),
    # -- primary keys, uniques, indexes -----------------------------------------------------
    Scenario(
        "composite_primary_key_widened",
        memberships("sa.Integer, primary_key=True", "sa.Integer, nullable=False"),
        memberships(KEY_NO_AUTO, "sa.Integer, primary_key=True"),
        MEMBERSHIP_ROWS,
    ),
    Scenario(
        "primary_key_column_leaves_the_key_and_becomes_nullable",
        memberships(KEY_NO_AUTO, "sa.Integer, primary_key=True"),
        memberships(KEY_NO_AUTO, "sa.Integer, nullable=True"),
        MEMBERSHIP_ROWS,
    ),
    Scenario(
        "composite_primary_key_narrowed_onto_a_wider_autoincrement_column",
        memberships(KEY_NO_AUTO, "sa.Integer, primary_key=True"),
        memberships("sa.BigInteger, primary_key=True", "sa.Integer, nullable=False"),
        MEMBERSHIP_ROWS,
    ),
    Scenario(
        "unique_added_named",
        users(),
        users('sa.UniqueConstraint("name", name="uq_users_name")'),
        USERS_ROWS,
    ),
    Scenario(
        "unique_added_unnamed_multi_column",
        users('sa.Column("email", sa.String(80))'),
        users('sa.Column("email", sa.String(80))', 'sa.UniqueConstraint("name", "email")'),
        USERS_ROWS,
    ),
    Scenario(
        "unique_dropped",
        users('sa.UniqueConstraint("name", name="uq_users_name")'),
        users(),
        USERS_ROWS,
    ),
    Scenario(
        "unique_column_flag_kept",
        users('sa.Column("email", sa.String(80), unique=True)'),
        users('sa.Column("email", sa.String(80), unique=True)', 'sa.Column("age", sa.Integer)'),
        USERS_ROWS,
    ),
    Scenario(
        "index_added_multi_column",
        users('sa.Column("age", sa.Integer)'),
        users('sa.Column("age", sa.Integer)', 'sa.Index("ix_users_name_age", "name", "age")'),
        USERS_ROWS,
    ),
    Scenario(
        "index_becomes_unique",
        users('sa.Index("ix_users_name", "name")'),
        users('sa.Index("ix_users_name", "name", unique=True)'),
        USERS_ROWS,
    ),
    Scenario(
        "index_dropped",
        users('sa.Column("age", sa.Integer, index=True)'),
        users('sa.Column("age", sa.Integer)'),
        USERS_ROWS,
    ),
    Scenario(
        "expression_index",
        users(),
        users('sa.Index("ix_users_lower_name", sa.func.lower(sa.column("name")))'),
        USERS_ROWS,
        {
            "sqlite": "SQLAlchemy does not reflect SQLite expression indexes",
            "mariadb": "MariaDB has no expression indexes (functional key parts are MySQL 8)",
        },
    ),
    Scenario(
        "partial_index",
        users('sa.Column("active", sa.Boolean)'),
        users(
            'sa.Column("active", sa.Boolean)',
            'sa.Index("ix_users_active_name", "name", '
            'postgresql_where=sa.text("active"), sqlite_where=sa.text("active"))',
        ),
        USERS_ROWS,
        {"mariadb": "MariaDB has no partial indexes"},
    ),
    # -- foreign keys ------------------------------------------------------------------------
    Scenario(
        "foreign_key_added",
        PARENT + child(),
        PARENT + child('sa.ForeignKeyConstraint(["parent_id"], ["parent.id"])'),
        CHILD_ROWS,
    ),
    Scenario(
        "foreign_key_dropped",
        PARENT + child('sa.ForeignKeyConstraint(["parent_id"], ["parent.id"], name="fk_up")'),
        PARENT + child(),
        CHILD_ROWS,
    ),
    Scenario(
        "foreign_key_target_changed",
        PARENT
        + users(name="other")
        + child('sa.ForeignKeyConstraint(["parent_id"], ["parent.id"], name="fk_child_up")'),
        PARENT
        + users(name="other")
        + child('sa.ForeignKeyConstraint(["parent_id"], ["other.id"], name="fk_child_up")'),
        (*PARENT_ROWS, "INSERT INTO other (id, name) VALUES (1, 'o1')", *CHILD_ROWS[1:]),
    ),
    Scenario(
        "foreign_key_actions_changed",
        PARENT + child('sa.ForeignKeyConstraint(["parent_id"], ["parent.id"], name="fk_child_up")'),
        PARENT
        + child(
            'sa.ForeignKeyConstraint(["parent_id"], ["parent.id"], name="fk_child_up", '
            'ondelete="CASCADE", onupdate="SET NULL")'
        ),
        CHILD_ROWS,
    ),
    Scenario(
        "foreign_key_unnamed_actions_changed",
        PARENT + child('sa.ForeignKeyConstraint(["parent_id"], ["parent.id"])'),
        PARENT + child('sa.ForeignKeyConstraint(["parent_id"], ["parent.id"], ondelete="CASCADE")'),
        CHILD_ROWS,
    ),
    Scenario(
        "foreign_key_deferrable",
        PARENT + child('sa.ForeignKeyConstraint(["parent_id"], ["parent.id"], name="fk_child_up")'),
        PARENT
        + child(
            'sa.ForeignKeyConstraint(["parent_id"], ["parent.id"], name="fk_child_up", '
            'deferrable=True, initially="DEFERRED")'
        ),
        CHILD_ROWS,
        {
            "sqlite": "SQLAlchemy does not reflect DEFERRABLE on SQLite",
            "mariadb": "MariaDB has no deferrable constraints",
        },
    ),
    # -- checks ------------------------------------------------------------------------------
    Scenario(
        "check_added_named",
        users('sa.Column("age", sa.Integer)'),
        users('sa.Column("age", sa.Integer)', 'sa.CheckConstraint("age >= 0", name="ck_age")'),
        USERS_ROWS,
    ),
    Scenario(
        "check_dropped_named",
        users('sa.Column("age", sa.Integer)', 'sa.CheckConstraint("age >= 0", name="ck_age")'),
        users('sa.Column("age", sa.Integer)'),
        USERS_ROWS,
    ),
    Scenario(
        "check_added_unnamed",
        users('sa.Column("age", sa.Integer)'),
        users('sa.Column("age", sa.Integer)', 'sa.CheckConstraint("age < 200")'),
        USERS_ROWS,
    ),
    # -- ordering ----------------------------------------------------------------------------
    Scenario(
        "parent_and_child_created_together",
        users(),
        users()
        + users('sa.Column("zparent_id", sa.Integer, sa.ForeignKey("zparent.id"))', name="achild")
        + users(name="zparent"),
        USERS_ROWS,
    ),
    Scenario(
        "parent_and_child_dropped_together",
        users()
        + users('sa.Column("zparent_id", sa.Integer, sa.ForeignKey("zparent.id"))', name="achild")
        + users(name="zparent"),
        users(),
        (
            *USERS_ROWS,
            "INSERT INTO zparent (id, name) VALUES (1, 'z')",
            "INSERT INTO achild (id, name, zparent_id) VALUES (1, 'a', 1)",
        ),
    ),
    Scenario(
        "tables_referencing_each_other",
        users(),
        users()
        + users(
            'sa.Column("boss_id", sa.Integer)',
            'sa.ForeignKeyConstraint(["boss_id"], ["bosses.id"], name="fk_teams_boss", '
            "use_alter=True)",
            name="teams",
        )
        + users(
            'sa.Column("team_id", sa.Integer)',
            'sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_bosses_team")',
            name="bosses",
        ),
        USERS_ROWS,
    ),
    Scenario(
        "column_and_its_foreign_key_added",
        PARENT + child(),
        PARENT
        + child(
            'sa.Column("other_id", sa.Integer, sa.ForeignKey("parent.id", ondelete="SET NULL"))'
        ),
        CHILD_ROWS,
    ),
    # -- naming conventions, models that trouble other tools ---------------------------------
    Scenario(
        "naming_convention_honoured",
        CONVENTION + PARENT + child(),
        CONVENTION
        + PARENT
        + child(
            'sa.Column("age", sa.Integer, index=True)',
            'sa.Column("code", sa.String(10), unique=True)',
            'sa.ForeignKeyConstraint(["parent_id"], ["parent.id"])',
            'sa.CheckConstraint("age > 0", name="positive_age")',
        ),
        CHILD_ROWS,
    ),
    Scenario(
        "troublesome_types_stay_in_sync",
        users(),
        users() + TROUBLESOME,
        USERS_ROWS,
    ),
    Scenario(
        "troublesome_types_column_added",
        users() + TROUBLESOME,
        users()
        + TROUBLESOME.replace(
            'sa.Column("note", sa.Text)',
            'sa.Column("note", sa.Text),\n    sa.Column("weight", sa.Float(precision=24))',
        ),
        (*USERS_ROWS, "INSERT INTO things (id, name, mood, size) VALUES (1, 'x', 'happy', 'm')"),
    ),
    # -- types the database spells its own way ----------------------------------------------
    Scenario(
        "non_native_enum_with_length_added",
        users(),
        users(
            'sa.Column("state", sa.Enum("open", "closed", name="ck_state", native_enum=False, '
            "create_constraint=True, length=20))"
        ),
        USERS_ROWS,
    ),
    Scenario(
        "non_native_enum_value_added",
        users(
            'sa.Column("state", sa.Enum("open", "closed", name="ck_state", native_enum=False, '
            "create_constraint=True, length=20))"
        ),
        users(
            'sa.Column("state", sa.Enum("open", "closed", "held", name="ck_state", '
            "native_enum=False, create_constraint=True, length=20))"
        ),
        ("INSERT INTO users (id, name, state) VALUES (1, 'ann', 'open')",),
    ),
    Scenario(
        "interval_column_added",
        users(),
        users('sa.Column("wait", sa.Interval)', 'sa.Column("nap", sa.Interval(native=False))'),
        USERS_ROWS,
    ),
    Scenario(
        "own_type_decorator_column_added",
        users(),
        """\
class Token(sa.types.TypeDecorator):
    impl = sa.CHAR(32)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.UUID())
        return dialect.type_descriptor(sa.CHAR(32))


"""
        + users('sa.Column("token", Token())'),
        USERS_ROWS,
    ),
    Scenario(
        "computed_stored_not_null_added",
        users('sa.Column("price", sa.Integer)', 'sa.Column("qty", sa.Integer)'),
        users(
            'sa.Column("price", sa.Integer)',
            'sa.Column("qty", sa.Integer)',
            'sa.Column("total", sa.Integer, sa.Computed("price * qty", persisted=True), '
            "nullable=False)",
        ),
        ("INSERT INTO users (id, name, price, qty) VALUES (1, 'ann', 3, 4)",),
    ),
    Scenario(
        "referenced_primary_key_widened",
        PARENT + child('sa.ForeignKeyConstraint(["parent_id"], ["parent.id"], name="fk_child_up")'),
        PARENT.replace('"id", sa.Integer', '"id", sa.BigInteger')
        + child(
            'sa.ForeignKeyConstraint(["parent_id"], ["parent.id"], name="fk_child_up")'
        ).replace('"parent_id", sa.Integer', '"parent_id", sa.BigInteger'),
        CHILD_ROWS,
    ),
    Scenario(
        "referenced_primary_key_widened_with_a_typeless_foreign_key_column",
        PARENT
        + users('sa.Column("parent_id", sa.ForeignKey("parent.id", name="fk_kid_up"))', name="kid"),
        PARENT.replace('"id", sa.Integer', '"id", sa.BigInteger')
        + users('sa.Column("parent_id", sa.ForeignKey("parent.id", name="fk_kid_up"))', name="kid"),
        (*PARENT_ROWS, "INSERT INTO kid (id, name, parent_id) VALUES (1, 'k1', 1)"),
    ),
    Scenario(
        "integer_default_widened_to_bigint",
        users('sa.Column("hits", sa.Integer, nullable=False, server_default="0")'),
        users('sa.Column("hits", sa.BigInteger, nullable=False, server_default="0")'),
        USERS_ROWS,
    ),
    # -- PostgreSQL --------------------------------------------------------------------------
    Scenario(
        "pg_enum_renamed",
        users('sa.Column("mood", sa.Enum("happy", "sad", name="mood"))'),
        users('sa.Column("mood", sa.Enum("happy", "sad", name="feeling"))'),
        ("INSERT INTO users (id, name, mood) VALUES (1, 'ann', 'sad')",),
        PG_ONLY_ENUM,
    ),
    Scenario(
        "pg_enum_renamed_and_value_added",
        users('sa.Column("mood", sa.Enum("happy", "sad", name="mood"))'),
        users('sa.Column("mood", sa.Enum("happy", "sad", "calm", name="feeling"))'),
        ("INSERT INTO users (id, name, mood) VALUES (1, 'ann', 'sad')",),
        PG_ONLY_ENUM,
    ),
    Scenario(
        "pg_enum_value_added_on_column_with_default",
        users(
            'sa.Column("status", sa.Enum("draft", "live", name="status"), nullable=False, '
            'server_default="draft")'
        ),
        users(
            'sa.Column("status", sa.Enum("draft", "live", "gone", name="status"), '
            'nullable=False, server_default="draft")'
        ),
        USERS_ROWS,
        PG_ONLY_ENUM,
    ),
    Scenario(
        "pg_enum_value_removed_on_column_with_default",
        users(
            'sa.Column("status", sa.Enum("draft", "live", "gone", name="status"), '
            'nullable=False, server_default="draft")'
        ),
        users(
            'sa.Column("status", sa.Enum("draft", "live", name="status"), nullable=False, '
            'server_default="draft")'
        ),
        USERS_ROWS,
        PG_ONLY_ENUM,
    ),
    Scenario(
        "pg_table_in_schema_made_outside_migrations",
        users(),
        users() + users('schema="audit"', name="entries"),
        (*USERS_ROWS, "CREATE SCHEMA audit"),
        PG_ONLY,
    ),
    Scenario(
        "pg_enum_created",
        users(),
        users('sa.Column("mood", sa.Enum("happy", "sad", name="mood"))'),
        USERS_ROWS,
        PG_ONLY_ENUM,
    ),
    Scenario(
        "pg_enum_value_added",
        users('sa.Column("mood", sa.Enum("happy", "sad", name="mood"))'),
        users('sa.Column("mood", sa.Enum("happy", "sad", "calm", name="mood"))'),
        ("INSERT INTO users (id, name, mood) VALUES (1, 'ann', 'sad')",),
        PG_ONLY_ENUM,
    ),
    Scenario(
        "pg_enum_value_removed",
        users('sa.Column("mood", sa.Enum("happy", "sad", "calm", name="mood"))'),
        users('sa.Column("mood", sa.Enum("happy", "sad", name="mood"))'),
        ("INSERT INTO users (id, name, mood) VALUES (1, 'ann', 'sad')",),
        PG_ONLY_ENUM,
    ),
    Scenario(
        "pg_enum_values_reordered",
        users('sa.Column("mood", sa.Enum("happy", "sad", name="mood"))'),
        users('sa.Column("mood", sa.Enum("sad", "happy", name="mood"))'),
        ("INSERT INTO users (id, name, mood) VALUES (1, 'ann', 'sad')",),
        PG_ONLY_ENUM,
    ),
    Scenario(
        "pg_enum_dropped_with_its_column",
        users('sa.Column("mood", sa.Enum("happy", "sad", name="mood"))'),
        users(),
        USERS_ROWS,
        PG_ONLY_ENUM,
    ),
    Scenario(
        "pg_table_in_new_schema",
        users(),
        users() + users('schema="audit"', name="entries"),
        USERS_ROWS,
        PG_ONLY,
    ),
    Scenario(
        "pg_cross_schema_foreign_key",
        users() + users('schema="audit"', name="entries"),
        users()
        + users(
            'sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"))',
            'schema="audit"',
            name="entries",
        ),
        (*USERS_ROWS, "INSERT INTO audit.entries (id, name) VALUES (1, 'e')"),
        PG_ONLY,
    ),
    Scenario(
        "pg_jsonb_uuid_array",
        users(),
        users(
            'sa.Column("data", postgresql.JSONB, server_default=sa.text("\'{}\'::jsonb"))',
            'sa.Column("token", sa.Uuid, server_default=sa.text("gen_random_uuid()"))',
            'sa.Column("tags", postgresql.ARRAY(sa.String(20)))',
            'sa.Column("plain", sa.String)',
        ),
        USERS_ROWS,
        PG_ONLY,
    ),
    # -- MariaDB -----------------------------------------------------------------------------
    Scenario(
        "mariadb_enum_values_changed",
        users('sa.Column("mood", mysql.ENUM("happy", "sad"))'),
        users('sa.Column("mood", mysql.ENUM("happy", "sad", "calm"))'),
        ("INSERT INTO users (id, name, mood) VALUES (1, 'ann', 'sad')",),
        MARIADB_ONLY,
    ),
    Scenario(
        "mariadb_set_values_changed",
        users('sa.Column("perms", mysql.SET("read", "write"))'),
        users('sa.Column("perms", mysql.SET("read", "write", "admin"))'),
        ("INSERT INTO users (id, name, perms) VALUES (1, 'ann', 'read,write')",),
        MARIADB_ONLY,
    ),
    Scenario(
        "mariadb_boolean_and_tinyint",
        users('sa.Column("active", sa.Boolean)'),
        users(
            'sa.Column("active", sa.Boolean)', 'sa.Column("level", mysql.TINYINT(unsigned=True))'
        ),
        ("INSERT INTO users (id, name, active) VALUES (1, 'ann', 1)",),
        MARIADB_ONLY,
    ),
)
