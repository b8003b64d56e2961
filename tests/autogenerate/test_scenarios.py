"""Every scenario on every database: detect, apply, stay in sync, find nothing more, undo.

For each before/after pair: autogenerate + upgrade the "before" models, insert rows,
autogenerate + upgrade the "after" models; the database must then reflect exactly like
``create_all`` of the "after" models in a fresh database, rows must survive in every table both
versions keep, and a second autogenerate must find nothing. ``downgrade -1`` must return to the
exact reflection of the "before" models, rows kept.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from distil.commands.autogenerate import autogenerate
from distil.commands.migrate import downgrade, upgrade
from distil.config import Config, load_config
from distil.diff.questions import Hints
from distil.models_loader import load_metadata
from tests.autogenerate.reflection import create_all, differences, empty, reflected_schema
from tests.autogenerate.scenarios import SCENARIOS, Scenario
from tests.helpers import Project


@dataclasses.dataclass(frozen=True)
class ModelsVersion:
    config: Config
    metadata: sa.MetaData


def write_models(
    project: Project, scenario: Scenario, version: str, dev_url: str | None
) -> ModelsVersion:
    module = f"models_{uuid.uuid4().hex[:10]}_{version}"
    project.write(f"{module}.py", scenario.source(version))
    spec = f"{module}:metadata"
    config = dataclasses.replace(
        load_config(project.root / "distil.toml"), models=spec, dev_url=dev_url
    )
    return ModelsVersion(config, load_metadata(spec, project.root))


def expected_schema(url: str, metadata: sa.MetaData) -> dict[str, Any]:
    """Reflection of ``create_all`` on the empty database ``url``, which is emptied again."""
    create_all(url, metadata)
    try:
        return reflected_schema(url, metadata)
    finally:
        empty(url, metadata)


def row_counts(project: Project, tables: set[str]) -> dict[str, int]:
    return {t: project.rows(f"SELECT COUNT(*) FROM {t}")[0][0] for t in sorted(tables)}


def table_keys(schema: dict[str, Any]) -> set[str]:
    return {k for k in schema if not k.startswith("enum ")}


def assert_same(project: Project, expected: dict[str, Any], metadata: sa.MetaData, when: str):
    actual = reflected_schema(project.url, metadata)
    problems = differences(actual, expected)
    assert not problems, f"{when}: database differs from create_all:\n" + "\n".join(problems)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(
    scenario: Scenario,
    dialect: str,
    project: Project,
    reusable_database: Callable[[str, str], str],
) -> None:
    if dialect in scenario.skip:
        pytest.skip(scenario.skip[dialect])
    dev_url = None if dialect == "sqlite" else reusable_database(dialect, "scratch")
    expected_url = reusable_database(dialect, "expected")
    before = write_models(project, scenario, "before", dev_url)
    first = autogenerate(before.config, "before", rev_id="0001")
    assert first.path is not None and first.verified
    upgrade(before.config, "head", allow_data_loss=True)
    for statement in scenario.rows:
        project.execute(statement)
    expected_before = expected_schema(expected_url, before.metadata)
    assert_same(project, expected_before, before.metadata, "after the first upgrade")

    after = write_models(project, scenario, "after", dev_url)
    # the rows inserted are test data: drops of them are intended
    second = autogenerate(
        after.config, "after", rev_id="0002", questioner=Hints(allow_data_loss=True)
    )
    assert second.comparison.changes, "the change between the models was not detected"
    assert second.path is not None and second.verified
    kept_tables = table_keys(expected_before)
    counts = row_counts(project, kept_tables)
    upgrade(after.config, "head", allow_data_loss=True)
    expected_after = expected_schema(expected_url, after.metadata)
    assert_same(project, expected_after, after.metadata, "after upgrade")
    kept_tables &= table_keys(expected_after)
    assert row_counts(project, kept_tables) == {t: counts[t] for t in kept_tables}

    again = autogenerate(after.config, "again", rev_id="0003")
    assert again.path is None, "a second autogenerate found: " + "; ".join(again.comparison.summary)
    assert not again.comparison.changes

    downgrade(after.config, "-1", allow_data_loss=True)
    assert_same(project, expected_before, before.metadata, "after downgrade -1")
    assert row_counts(project, kept_tables) == {t: counts[t] for t in kept_tables}
