"""Python's cyclic garbage collector, paused while distil builds many long-lived objects.

Each full collection visits every object alive. Importing 10,000 model tables makes about two
million, and the collector, which runs a full collection whenever the heap has grown by a
quarter, visits them again and again: a third of the time of the import and of compiling the
models' DDL. ``many_objects`` pauses it for such a block (objects freed by reference counting
are still freed at once). At the end of a block that left many objects tracked, they are
frozen (``gc.freeze``): later collections skip them, and nothing walks the whole heap at once;
garbage cycles among them then stay for the life of the process, as distil's commands are
short. A small block simply resumes collecting.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

FREEZE_ABOVE = 200_000  # objects tracked during the block: beyond this, freeze them


@contextmanager
def many_objects() -> Iterator[None]:
    """Within the block, no cyclic collection; nested blocks are part of the outer one."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_count()[0] > FREEZE_ABOVE:
            gc.freeze()
        gc.enable()
