"""`distil check` reuses the live snapshot only while the database's catalog fingerprint holds."""

from __future__ import annotations

from tests.autogenerate.test_cli_autogenerate import MODELS_V1, use_models
from tests.helpers import Project


def live_snapshots(project: Project) -> list[str]:
    cache = project.root / "migrations" / "__pycache__"
    return sorted(p.name for p in cache.glob("live-*.json")) if cache.exists() else []


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
    again = project.cli("check")
    assert again.code == 0, again
    assert live_snapshots(project) == snapshots

    project.execute("CREATE INDEX ix_out_of_band ON users (name)")
    drifted = project.cli("check")
    assert drifted.code == 1, drifted
    assert "ix_out_of_band" in drifted.out
    assert live_snapshots(project) != snapshots and len(live_snapshots(project)) == 1

    project.execute("DROP INDEX ix_out_of_band" + (" ON users" if dialect == "mariadb" else ""))
    back = project.cli("check")
    assert back.code == 0, back
