"""shared.heap: the start-up heap leaves the collector's sight while the app serves, and comes
back when it stops."""

from __future__ import annotations

import gc

from shared.heap import startup_heap_frozen


def test_the_startup_heap_is_frozen_while_serving_and_handed_back_after() -> None:
    gc.unfreeze()
    with startup_heap_frozen():
        assert gc.get_freeze_count() > 0
        assert gc.get_objects(generation=2) == []  # nothing left for a full collection to walk
    assert gc.get_freeze_count() == 0
