"""distil runs Alembic histories unchanged and builds what Alembic builds.

Each hand-written project is switched with ``distil init --from-alembic`` (its env.py's URL
variable, version table and filters carried over) and runs under Alembic on one fresh database
and under distil on another, with the ``alembic`` package unimportable in distil's process; the
reflected schemas and the rows must be equal at head and again after both tools downgrade as far
as Alembic can go. A database
Alembic migrated half-way is taken over by distil, which applies the rest; with
``alembic_version = "keep"`` Alembic can then take the same database back down.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.alembic_projects.support import (
    BASE,
    CASES,
    PROJECTS,
    alembic_heads_applied,
    blocker_environment,
    database_snapshot,
    run_distil,
    switch_to_distil,
)
from tests.alembic_projects.support import (
    run_alembic as alembic,
)

pytestmark = pytest.mark.parametrize(
    ("project_name", "dialect"), CASES, ids=[f"{p}-{d}" for p, d in CASES], indirect=["dialect"]
)


def test_distil_builds_what_alembic_builds_up_and_down(
    project_name: str, dialect: str, db_url: str, make_db_url: Callable[[], str], tmp_path: Path
) -> None:
    project = PROJECTS[project_name]
    alembic_url, distil_url = db_url, make_db_url()
    alembic_root = project.copy_to(tmp_path / "alembic")
    distil_root = project.copy_to(tmp_path / "distil")
    blocked = blocker_environment(tmp_path / "blocker")
    blocked = switch_to_distil(project, distil_root, distil_url, blocked)

    result = alembic(project, alembic_root, alembic_url, "upgrade", "head")
    assert result.code == 0, result
    result = run_distil(distil_root, blocked, "upgrade", "head")
    assert result.code == 0, result
    assert database_snapshot(distil_url, project.schemas) == database_snapshot(
        alembic_url, project.schemas
    )

    result = alembic(project, alembic_root, alembic_url, "downgrade", project.lowest)
    assert result.code == 0, result
    result = run_distil(distil_root, blocked, "downgrade", project.lowest)
    assert result.code == 0, result
    assert database_snapshot(distil_url, project.schemas) == database_snapshot(
        alembic_url, project.schemas
    )

    if project.lowest != BASE:
        # the lowest revision has no downgrade(): distil refuses before touching anything
        before = database_snapshot(distil_url, project.schemas)
        result = run_distil(distil_root, blocked, "downgrade", BASE)
        assert result.code == 2, result
        assert "downgrade()" in result.err and project.lowest in result.err, result
        assert database_snapshot(distil_url, project.schemas) == before


def test_distil_takes_over_half_way_and_alembic_can_go_back(
    project_name: str, dialect: str, db_url: str, make_db_url: Callable[[], str], tmp_path: Path
) -> None:
    project = PROJECTS[project_name]
    shared_url, reference_url = db_url, make_db_url()
    root = project.copy_to(tmp_path / "shared")
    reference_root = project.copy_to(tmp_path / "reference")
    blocked = blocker_environment(tmp_path / "blocker")
    blocked = switch_to_distil(project, root, shared_url, blocked, 'alembic_version = "keep"\n')

    result = alembic(project, reference_root, reference_url, "upgrade", "head")
    assert result.code == 0, result
    result = alembic(project, root, shared_url, "upgrade", project.midpoint)
    assert result.code == 0, result

    result = run_distil(root, blocked, "current")
    assert result.code == 0 and project.midpoint in result.out, result
    result = run_distil(root, blocked, "upgrade", "head")
    assert result.code == 0, result
    assert database_snapshot(shared_url, project.schemas) == database_snapshot(
        reference_url, project.schemas
    )
    assert alembic_heads_applied(project, shared_url) == {project.head}

    result = alembic(project, root, shared_url, "downgrade", project.lowest)
    assert result.code == 0, result
    result = alembic(project, reference_root, reference_url, "downgrade", project.lowest)
    assert result.code == 0, result
    assert database_snapshot(shared_url, project.schemas) == database_snapshot(
        reference_url, project.schemas
    )
