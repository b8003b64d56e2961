"""``compile_split`` compiles the second half of a long list in a forked child, returns the same
strings in the same order as a serial compile, and falls back to compiling in the process when
forking is unsafe (another thread running) or the child fails. Each case runs in a fresh
interpreter: the test runner's own threads would rightly keep it from forking."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2,
    reason="compile_split forks on Linux with two cores or more",
)

PROGRAM = """
import json, os, sys, threading, warnings
from distil.introspect.split_compile import FORK_FROM, compile_split

case = sys.argv[1]
parent = os.getpid()
items = list(range(FORK_FROM + 1))


def mark(i):
    return f"{i}:{'parent' if os.getpid() == parent else 'child'}"


result = {}
if case == "split":
    result["out"] = compile_split(items, mark)
elif case == "small":
    result["out"] = compile_split(items[: FORK_FROM - 1], mark)
elif case == "thread":
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        result["out"] = compile_split(items, mark)
    finally:
        stop.set()
        thread.join()
elif case == "child_fails":
    def failing_in_child(i):
        if os.getpid() != parent:
            raise ValueError("only the child fails")
        return mark(i)

    result["out"] = compile_split(items, failing_in_child)
elif case == "parent_fails":
    def failing_in_parent(i):
        if os.getpid() == parent and i == 5:
            raise ValueError("the parent's half fails")
        return mark(i)

    try:
        compile_split(items, failing_in_parent)
    except ValueError as error:
        result["error"] = str(error)
    try:
        os.waitpid(-1, os.WNOHANG)
        result["children_left"] = True
    except ChildProcessError:
        result["children_left"] = False
elif case == "warnings":
    def warning(i):
        if i in (0, FORK_FROM):  # one in each half, from the same line
            warnings.warn("in both halves", UserWarning)
        if i == FORK_FROM - 1:
            warnings.warn("in the child's half only", UserWarning)
        return mark(i)

    result["out"] = compile_split(items, warning)
print(json.dumps(result))
"""


def run(case: str, tmp_path: Path) -> dict[str, object]:
    program = tmp_path / "program.py"
    program.write_text(PROGRAM, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, str(program), case], env=env, capture_output=True, text=True, check=True
    )
    return {**json.loads(done.stdout), "stderr": done.stderr}


def origins(out: object) -> list[str]:
    assert isinstance(out, list)
    return [text.split(":")[1] for text in out]


def test_the_second_half_is_compiled_in_a_child_in_order(tmp_path: Path) -> None:
    from distil.introspect.split_compile import FORK_FROM

    out = run("split", tmp_path)["out"]
    assert isinstance(out, list)
    assert [int(text.split(":")[0]) for text in out] == list(range(FORK_FROM + 1))
    half = (FORK_FROM + 1) // 2
    assert origins(out) == ["parent"] * half + ["child"] * (FORK_FROM + 1 - half)


def test_a_short_list_or_another_thread_running_is_compiled_in_the_process(
    tmp_path: Path,
) -> None:
    assert set(origins(run("small", tmp_path)["out"])) == {"parent"}
    assert set(origins(run("thread", tmp_path)["out"])) == {"parent"}


def test_a_child_that_fails_leaves_its_half_to_the_process(tmp_path: Path) -> None:
    out = run("child_fails", tmp_path)["out"]
    from distil.introspect.split_compile import FORK_FROM

    assert isinstance(out, list) and len(out) == FORK_FROM + 1
    assert set(origins(out)) == {"parent"}


def test_an_error_in_the_process_is_raised_and_the_child_is_reaped(tmp_path: Path) -> None:
    result = run("parent_fails", tmp_path)
    assert result["error"] == "the parent's half fails" and result["children_left"] is False


def test_the_childs_warnings_are_shown_by_the_process_once_each(tmp_path: Path) -> None:
    result = run("warnings", tmp_path)
    assert set(origins(result["out"])) == {"parent", "child"}
    stderr = str(result["stderr"])
    assert stderr.count("UserWarning: in both halves") == 1
    assert stderr.count("UserWarning: in the child's half only") == 1
