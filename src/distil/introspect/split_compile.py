"""Compiling many DDL elements on two cores: half of them in a forked copy of the process.

``compile_split(elements, compile)`` returns ``[compile(e) for e in elements]``, the same strings
in the same order. Where it is safe and worth it, a forked child compiles the second half while
the process compiles the first, and sends its strings back through a pipe; compiling 10,000
model tables' DDL is then two-thirds as long on two cores. It forks only on Linux, with two cores
or more to run on, when no other thread is running (a thread holding a lock at the fork would
leave it held in the child), and for enough elements to repay the fork. The child compiles, writes
and ends with ``os._exit``: it runs no exit handlers, flushes no buffers and touches nothing the
process shares with others (database connections stay the parent's). Whatever goes wrong in the
child (a fork refused, a compile error, the child killed) leaves the parent to compile that half
itself, so an error is raised the way a serial compile raises it. The warnings the child's
half raised are issued again in the process, which shows each as it would its own.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

FORK_FROM = 2000  # elements: below this, forking costs more than half the compiling saves


def compile_split(elements: Sequence[Any], compile: Callable[[Any], str]) -> list[str]:
    """``[compile(e) for e in elements]``, the second half compiled in a forked child when
    ``can_fork(len(elements))``."""
    if not can_fork(len(elements)):
        return [compile(element) for element in elements]
    half = len(elements) // 2
    child = _fork_compiling(elements[half:], compile)
    if child is None:
        return [compile(element) for element in elements]
    pid, pipe = child
    try:
        first = [compile(element) for element in elements[:half]]
    except BaseException:
        _end(pid, pipe, kill=True)
        raise
    second = _end(pid, pipe, kill=False)
    if second is None or len(second) != len(elements) - half:
        second = [compile(element) for element in elements[half:]]
    return first + second


def can_fork(count: int) -> bool:
    """Whether ``count`` elements are compiled in two processes here."""
    import threading

    if count < FORK_FROM or not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return cores >= 2 and threading.active_count() == 1


def _fork_compiling(
    elements: Sequence[Any], compile: Callable[[Any], str]
) -> tuple[int, int] | None:
    """Fork a child that compiles ``elements`` and writes them, pickled, to a pipe; returns the
    child's pid and the pipe's reading end, or None if no child could be made."""
    try:
        reading, writing = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(reading)
        os.close(writing)
        return None
    if pid == 0:  # the child: never returns
        status = 1
        try:
            import pickle
            import warnings

            os.close(reading)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                strings = [compile(e) for e in elements]
            seen = [(w.message, w.category, w.filename, w.lineno) for w in caught]
            data = pickle.dumps((strings, seen), protocol=pickle.HIGHEST_PROTOCOL)
            view = memoryview(data)
            while view:
                view = view[os.write(writing, view) :]
            status = 0
        finally:
            os._exit(status)
    os.close(writing)
    return pid, reading


def _end(pid: int, reading: int, *, kill: bool) -> list[str] | None:
    """Read the child's strings (None if it failed, or if ``kill``: it is ended first), reap it,
    and show the warnings its compiling raised as the process would have."""
    import pickle
    import signal

    chunks: list[bytes] = []
    try:
        if kill:
            os.kill(pid, signal.SIGKILL)
        else:
            while chunk := os.read(reading, 1 << 20):
                chunks.append(chunk)
    finally:
        os.close(reading)
        _, status = os.waitpid(pid, 0)
    if kill or status != 0:
        return None
    try:
        strings, seen = pickle.loads(b"".join(chunks))
    except Exception:  # noqa: BLE001 - a truncated message: the parent compiles that half
        return None
    if not isinstance(strings, list) or not all(isinstance(s, str) for s in strings):
        return None
    for message, category, filename, lineno in seen:
        _warn_again(message, category, filename, lineno)
    return strings


def _warn_again(message: Warning, category: type[Warning], filename: str, lineno: int) -> None:
    """Issue a warning the child caught, through this process's filters and with the registry of
    the module it is attributed to: one already shown here is not shown again."""
    import warnings

    registry = None
    for module in list(sys.modules.values()):
        if getattr(module, "__file__", None) == filename:
            registry = module.__dict__.setdefault("__warningregistry__", {})
            break
    warnings.warn_explicit(message, category, filename, lineno, registry=registry)
