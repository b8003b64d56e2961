"""The collector pauses for a block that builds many objects, and what a large block leaves is
frozen out of later full collections; a small block just resumes collecting."""

from __future__ import annotations

import gc

from distil.heap import FREEZE_ABOVE, many_objects


def test_a_large_block_runs_without_collections_and_freezes_what_it_made() -> None:
    gc.unfreeze()
    collections = []
    gc.callbacks.append(lambda phase, info: collections.append(phase))
    try:
        with many_objects():
            assert not gc.isenabled()
            kept = [[n] for n in range(FREEZE_ABOVE * 2)]  # lists: tracked by the collector
        assert gc.isenabled()
        assert collections == []
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.callbacks.pop()
        gc.unfreeze()


def test_a_small_block_freezes_nothing_and_nested_blocks_resume_once() -> None:
    gc.unfreeze()
    with many_objects():
        with many_objects():
            kept = [[n] for n in range(1000)]
        assert not gc.isenabled()  # the outer block still runs
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0 and kept
    gc.disable()
    try:
        with many_objects():
            pass
        assert not gc.isenabled()  # a caller's own pause is left as it was
    finally:
        gc.enable()
