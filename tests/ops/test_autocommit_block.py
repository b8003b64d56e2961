"""``op.get_context().autocommit_block()``: what a failure after the block leaves, and says."""

from __future__ import annotations

from tests.ops.conftest import Migrator


def test_failure_after_an_autocommit_block_keeps_the_block_and_says_so(
    migrator: Migrator,
) -> None:
    migrator.run(
        'op.create_table("note", sa.Column("id", sa.Integer, primary_key=True), '
        'sa.Column("body", sa.String(20)))'
    )
    migrator.step(
        """
op.execute("INSERT INTO note (id, body) VALUES (2, 'before')")
with op.get_context().autocommit_block():
    op.execute("INSERT INTO note (id, body) VALUES (3, 'in block')")
op.execute("INSERT INTO note (id, body) VALUES (4, 'after')")
op.execute("INSERT INTO missing_table (id) VALUES (1)")
"""
    )
    result = migrator.project.cli("upgrade", "head")
    assert result.code == 1, result
    assert "upgrade of revision r002" in result.err
    assert "INSERT INTO note (id, body) VALUES (3, 'in block')" in result.err
    assert "nothing of this migration was kept" not in result.err
    if migrator.dialect != "mariadb":  # MariaDB lists what it kept statement by statement
        assert "autocommit block committed the 2 statement(s)" in result.err
        assert "still names r001" in result.err
    assert migrator.rows("note", "id", "body") == [(2, "before"), (3, "in block")]
    assert migrator.rows_sql("SELECT revision FROM distil_version") == [("r001",)]
