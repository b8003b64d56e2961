"""A running migration is shown when it starts: through a pipe one line per migration, on a
terminal one line redrawn with the time it has been running, so a long migration never looks hung.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time

import pytest

from tests.helpers import Project, wait_for_file
from tests.runtime.histories import applied, write_linear_history


def pause_in_third(project: Project) -> tuple[list[str], str]:
    """Three migrations; the third writes ``inside`` and waits for ``go``."""
    ids = write_linear_history(project, 2)
    inside, go = project.root / "inside", project.root / "go"
    project.write_migration(
        "slow03",
        ids[-1],
        f"""
        import pathlib, time
        pathlib.Path({str(inside)!r}).write_text("in")
        while not pathlib.Path({str(go)!r}).exists():
            time.sleep(0.05)
        time.sleep(2.5)
        """,
        message="long data migration",
    )
    return [*ids, "slow03"], str(go)


def read_available(fd: int, seconds: float) -> str:
    """What ``fd`` delivers within ``seconds`` (stops early at end of output)."""
    chunks = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk.decode("utf-8", "replace"))
    return "".join(chunks)


@pytest.mark.parametrize("dialect", ["sqlite", "mariadb"], indirect=True)
def test_through_a_pipe_a_migration_is_shown_when_it_starts_one_line_each(
    project: Project,
) -> None:
    ids, go = pause_in_third(project)
    process = project.start("upgrade", "head")
    assert process.stderr is not None
    wait_for_file(project.root / "inside", process)
    so_far = read_available(process.stderr.fileno(), 2.0)
    assert "slow03 long data migration" in so_far, so_far  # shown while it runs
    open(go, "w").close()
    rest = read_available(process.stderr.fileno(), 60.0)
    process.wait(timeout=60)
    assert process.returncode == 0, so_far + rest
    lines = (so_far + rest).splitlines()
    for revision in ids:
        mine = [line for line in lines if revision in line]
        assert len(mine) == 1, lines  # one line per migration
        assert re.search(rf"^  \S {revision} .* \(\d+ ms\)$", mine[0]), mine
    assert applied(project) == sorted(ids)


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"], indirect=True)
def test_on_a_terminal_the_running_migration_shows_its_elapsed_time(project: Project) -> None:
    ids, go = pause_in_third(project)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DISTIL_")}
    environment.update(TERM="dumb", NO_COLOR="1", COLUMNS="200")
    master, slave = os.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "distil", "upgrade", "head"],
        cwd=project.root,
        env=environment,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    try:
        wait_for_file(project.root / "inside", process)
        open(go, "w").close()
        transcript = read_available(master, 30.0)
        process.wait(timeout=30)
    finally:
        os.close(master)
    assert process.returncode == 0, transcript
    redraws = re.findall(r"slow03 long data migration \.\.\. (\d+\.\d) s", transcript)
    assert len(set(redraws)) >= 3, transcript  # one line, redrawn as the seconds pass
    assert any(float(value) >= 2.0 for value in redraws), redraws
    assert "\r" in transcript
    assert re.search(r"slow03 long data migration \(\d+ ms\)", transcript), transcript
    assert applied(project) == sorted(ids)
