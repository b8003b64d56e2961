"""`distil check` reuses the live snapshot only while the database's catalog fingerprint holds."""

from __future__ import annotations

from tests.autogenerate.test_cli_autogenerate import MODELS_V1, use_models
from tests.helpers import Project


def live_snapshots(project: Project) -> list[str]:
    cache = project.root / "migrations" / "__pycache__"
    return sorted(p.name for p in cache.glob("live-*.pickle")) if cache.exists() else []


def test_check_reuses_the_live_snapshot_until_the_schema_changes(
    project: Project, dialect: str
) -> None:
    use_models(project, MODELS_V1)
    assert project.cli("revision", "--autogenerate", "-m", "users", "--rev-id", "0001").code == 0
    assert project.cli("upgrade", "head").code == 0

    first = project.cli("check")
    assert first.code == 0, first
    snapshots = live_snapshots(project)
    assert len(snapshots) == 1

    project.execute("INSERT INTO users (id, name) VALUES (1, 'ann')")  # data is not schema
    again = project.cli("check", "--no-cache")  # past the verdict: compared, on the same snapshot
    assert again.code == 0, again
    assert live_snapshots(project) == snapshots

    project.execute("CREATE INDEX ix_out_of_band ON users (name)")
    drifted = project.cli("check", "--no-cache")
    assert drifted.code == 1, drifted
    assert "ix_out_of_band" in drifted.out
    assert live_snapshots(project) != snapshots and len(live_snapshots(project)) == 1

    project.execute("DROP INDEX ix_out_of_band" + (" ON users" if dialect == "mariadb" else ""))
    back = project.cli("check")
    assert back.code == 0, back


def fingerprints(project: Project) -> tuple[str | None, str | None]:
    """The catalog fingerprint read through SQLAlchemy and with the bare driver."""
    import sqlalchemy as sa

    from distil.dialects.fingerprint import schema_fingerprint
    from distil.dialects.light import read_check_state

    engine = sa.create_engine(project.url)
    try:
        with engine.connect() as conn:
            through_sqlalchemy = schema_fingerprint(conn, (None,))
    finally:
        engine.dispose()
    state = read_check_state(project.url, "distil_version", None, (None,))
    assert state is not None
    return through_sqlalchemy, state[1]


CHANGES = {
    "sqlite": ["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "CREATE INDEX ix_v ON t (v)"],
    "postgresql": [
        "CREATE TYPE mood AS ENUM ('sad', 'ok')",
        "CREATE TABLE t (id SERIAL PRIMARY KEY, v TEXT, m mood, CONSTRAINT ck_v CHECK (v <> ''))",
        "ALTER TYPE mood ADD VALUE 'happy'",
        "ALTER TABLE t RENAME CONSTRAINT ck_v TO ck_v2",
        "ALTER SEQUENCE t_id_seq INCREMENT BY 2",
        "ALTER TABLE t ALTER COLUMN v SET NOT NULL",
        "ALTER TABLE t ALTER COLUMN v SET DEFAULT 'x'",
        "COMMENT ON TABLE t IS 'things'",
        "ALTER TABLE t ALTER COLUMN v TYPE VARCHAR(10)",
    ],
    "mariadb": [
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v VARCHAR(10))",
        "ALTER TABLE t MODIFY v VARCHAR(10) NOT NULL",
        "ALTER TABLE t ADD CONSTRAINT ck_v CHECK (v <> '')",
        "ALTER TABLE t COMMENT 'things'",
    ],
}


def test_every_schema_change_moves_the_fingerprint_and_maintenance_does_not(
    project: Project, dialect: str
) -> None:
    seen = set()
    sqlalchemy_read, bare_read = fingerprints(project)
    assert sqlalchemy_read is not None and sqlalchemy_read == bare_read
    seen.add(sqlalchemy_read)
    for statement in CHANGES[dialect]:
        project.execute(statement)
        sqlalchemy_read, bare_read = fingerprints(project)
        assert sqlalchemy_read == bare_read, statement
        assert sqlalchemy_read not in seen, f"unchanged after: {statement}"
        seen.add(sqlalchemy_read)
    project.execute("INSERT INTO t (id, v) VALUES (7, 'a')")
    maintenance = {"sqlite": "ANALYZE", "postgresql": "ANALYZE t", "mariadb": "ANALYZE TABLE t"}
    project.execute(maintenance[dialect])
    assert fingerprints(project)[0] == sqlalchemy_read


def test_a_damaged_live_snapshot_is_read_again_from_the_database(
    project: Project, dialect: str
) -> None:
    use_models(project, MODELS_V1)
    assert project.cli("revision", "--autogenerate", "-m", "users", "--rev-id", "0001").code == 0
    assert project.cli("upgrade", "head").code == 0
    assert project.cli("check").code == 0
    (snapshot,) = live_snapshots(project)
    path = project.root / "migrations" / "__pycache__" / snapshot
    path.write_bytes(b"not a pickle")
    project.execute("CREATE INDEX ix_out_of_band ON users (name)")  # a new fingerprint: reflected
    drifted = project.cli("check", "--no-cache")
    assert drifted.code == 1 and "ix_out_of_band" in drifted.out, drifted
    (fresh,) = live_snapshots(project)
    fresh_path = project.root / "migrations" / "__pycache__" / fresh
    fresh_path.write_bytes(b"not a pickle")  # same fingerprint, unreadable file: reflected again
    again = project.cli("check", "--no-cache")
    assert again.code == 1 and "ix_out_of_band" in again.out, again
    assert fresh_path.read_bytes() != b"not a pickle"
