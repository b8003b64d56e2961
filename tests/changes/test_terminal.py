"""The questions asked on a real terminal: ``distil revision --autogenerate`` under a pseudo-terminal.

The command runs with stdin, stdout and stderr on the slave side of a pty, as in a user's shell;
the test reads the master side until a question appears and types the answer.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

import pytest

from tests.changes.support import Evolving, sorted_rows
from tests.changes.test_renames import ROWS, USERS, renames_column, users_and_posts
from tests.helpers import Project

ANSWER_TIMEOUT_SECONDS = 60.0


class Terminal:
    """One command on a pseudo-terminal, with everything it printed so far."""

    def __init__(self, project: Project, *args: str) -> None:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("DISTIL_")}
        environment.update(TERM="dumb", NO_COLOR="1", COLUMNS="200")
        self.master, slave = os.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "distil", *args],
            cwd=project.root,
            env=environment,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
        )
        os.close(slave)
        self.transcript = ""
        self.seen = 0

    def _read(self, deadline: float) -> bool:
        """Read what is available; False at end of output."""
        ready, _, _ = select.select([self.master], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 4096)
        except OSError:  # EIO: the command closed the terminal
            return False
        if not chunk:
            return False
        self.transcript += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        return True

    def expect(self, text: str) -> str:
        """Wait for ``text`` after what earlier expectations consumed; returns the new output."""
        deadline = time.monotonic() + ANSWER_TIMEOUT_SECONDS
        while text not in self.transcript[self.seen :]:
            if time.monotonic() > deadline or not self._read(deadline):
                raise AssertionError(f"never saw {text!r}; the terminal shows:\n{self.transcript}")
        end = self.transcript.index(text, self.seen) + len(text)
        new, self.seen = self.transcript[self.seen : end], end
        return new

    def answer(self, text: str) -> None:
        os.write(self.master, (text + "\n").encode())

    def finish(self) -> int:
        deadline = time.monotonic() + ANSWER_TIMEOUT_SECONDS
        while time.monotonic() < deadline and self._read(deadline):
            pass
        try:
            return self.process.wait(timeout=max(1.0, deadline - time.monotonic()))
        finally:
            os.close(self.master)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def converse(project: Project, args: Sequence[str], steps: Sequence[tuple[str, str]]) -> str:
    """Run ``distil *args``, answering each (question, answer); returns the whole transcript."""
    terminal = Terminal(project, *args)
    try:
        for question, reply in steps:
            terminal.expect(question)
            terminal.answer(reply)
        code = terminal.finish()
    finally:
        terminal.close()
    assert code == 0, terminal.transcript
    return terminal.transcript


@pytest.fixture
def evolving(
    project: Project, dialect: str, reusable_database: Callable[[str, str], str]
) -> Evolving:
    evolving = Evolving.start(project, dialect, reusable_database)
    evolving.start_with(users_and_posts(), *ROWS)
    return evolving


def test_rename_question_answered_yes(evolving: Evolving, project: Project) -> None:
    evolving.use(users_and_posts(name="full_name"))
    question = "Did you rename column users.name to users.full_name (VARCHAR(120))? [y/N]"
    converse(project, ["revision", "--autogenerate", "-m", "tty rename"], [(question, "y")])
    text = next(project.versions.glob("*_tty_rename.py")).read_text()
    assert renames_column(text, "users", "name", "full_name"), text
    assert "drop_column" not in text.split("def downgrade")[0]
    evolving.upgrade()
    assert sorted_rows(project, "SELECT id, code, full_name FROM users") == USERS


def test_fill_value_asked_again_until_it_fits_the_type(
    evolving: Evolving, project: Project
) -> None:
    evolving.use(
        users_and_posts() + 'users.append_column(sa.Column("age", sa.Integer, nullable=False))\n'
    )
    terminal = Terminal(project, "revision", "--autogenerate", "-m", "tty age")
    try:
        intro = terminal.expect("Value for existing rows of users.age")
        assert re.search(r"users\.age \(INT[A-Z]*(\(\d+\))?\) is new and NOT NULL", intro), intro
        terminal.answer("forty")
        retry = terminal.expect("Value for existing rows of users.age")
        assert re.search(r"'forty' is not a value of type INT", retry), terminal.transcript
        terminal.answer("41")
        code = terminal.finish()
    finally:
        terminal.close()
    assert code == 0, terminal.transcript
    text = next(project.versions.glob("*_tty_age.py")).read_text()
    assert "Existing rows get 41" in text, text
    evolving.upgrade()
    assert sorted_rows(project, "SELECT id, age FROM users") == [(1, 41), (2, 41)]
    assert evolving.inspect().columns("users")["age"]["default"] is None
