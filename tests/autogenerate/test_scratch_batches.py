"""The scratch build's batches: a batch the server refuses for want of lock slots ("out of shared
memory", SQLSTATE 53200) is rolled back and sent again in halves, down to one statement, and
what was committed before it stays; any other failure, or one inside a build that is rolled
back as a whole, is reported at once.

The server's lock table cannot be filled deterministically on a shared server, so a ``DO`` block
raises the same SQLSTATE while a sequence (which a rollback does not undo) says so."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from distil.dialects.scratch import send_script

pytestmark = pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)


def refusing(times: int) -> str:
    """A statement refused as a full lock table is, the first ``times`` times it runs."""
    return (
        "DO $$ BEGIN IF nextval('refusals') <= "
        f"{times} THEN RAISE EXCEPTION 'out of shared memory' USING ERRCODE = '53200', "
        "HINT = 'You might need to increase max_locks_per_transaction.'; END IF; END $$"
    )


def script(refusal: str) -> list[str]:
    tables = [f"CREATE TABLE t{n} (id INTEGER PRIMARY KEY, v TEXT)" for n in range(20)]
    return [*tables[:13], refusal, *tables[13:]]


def tables_in(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def runs(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT last_value FROM refusals").scalar_one())


def prepare(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE SEQUENCE refusals")


def test_a_batch_refused_for_lock_slots_is_sent_again_in_halves(engine: sa.Engine) -> None:
    prepare(engine)
    with engine.connect() as conn:
        conn.begin()
        conn.exec_driver_sql("CREATE TABLE made_before (id INTEGER)")  # the caller's own work
        assert send_script(conn, script(refusing(2)), commit=True)
        conn.commit()
    assert tables_in(engine) == {f"t{n}" for n in range(20)} | {"made_before"}
    assert runs(engine) == 3  # the whole batch, then the half holding it, then its quarter


def test_a_statement_refused_alone_is_reported(engine: sa.Engine) -> None:
    prepare(engine)
    with engine.connect() as conn:
        conn.begin()
        with pytest.raises(sa.exc.DBAPIError, match="out of shared memory"):
            send_script(conn, script(refusing(1000)), commit=True)
        conn.rollback()
    assert runs(engine) == 6  # 21 statements, 11, 5, 3, 2, then alone
    assert "t0" in tables_in(engine) and "t13" not in tables_in(engine)


def test_other_failures_and_builds_rolled_back_whole_are_not_sent_again(
    engine: sa.Engine,
) -> None:
    prepare(engine)
    with engine.connect() as conn:
        conn.begin()
        with pytest.raises(sa.exc.DBAPIError, match="out of shared memory"):
            send_script(conn, script(refusing(1000)), commit=False)
        conn.rollback()
        conn.begin()
        with pytest.raises(sa.exc.DBAPIError, match="syntax"):
            send_script(conn, ["CREATE TABLE fine (id INTEGER)", "CREATE TABEL x ()"])
        conn.rollback()
    assert runs(engine) == 1
    assert tables_in(engine) == set()
