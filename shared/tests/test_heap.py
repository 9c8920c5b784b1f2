"""shared.heap: the start-up heap leaves the collector's sight while the app serves, young
collections run further apart, and both come back as they were when it stops."""

from __future__ import annotations

import gc

from shared.heap import YOUNG_GENERATION_THRESHOLD, startup_heap_frozen


def test_the_startup_heap_is_frozen_while_serving_and_handed_back_after() -> None:
    gc.unfreeze()
    with startup_heap_frozen():
        assert gc.get_freeze_count() > 0
        assert gc.get_objects(generation=2) == []  # nothing left for a full collection to walk
    assert gc.get_freeze_count() == 0


def test_young_collections_are_spaced_out_while_serving_and_restored_after() -> None:
    before = gc.get_threshold()
    with startup_heap_frozen():
        assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, *before[1:])
    assert gc.get_threshold() == before


def test_a_lifespan_that_fails_still_restores_the_collector() -> None:
    before = gc.get_threshold()
    try:
        with startup_heap_frozen():
            raise RuntimeError("the app stopped badly")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
