"""The cyclic garbage collector while a service serves.

What a service builds while starting (modules, routes, schemas, clients) lives as long as the
process, and the collector need never look at it again. Left in the oldest generation, it is what
every full collection walks: about 90,000 objects in the gateway, ~60 ms of CPU once every few
tens of thousands of requests, during which every request in flight waits (a p99 of its own under
steady load). Frozen once start-up is done (`gc.freeze`), a full collection walks only what came
later: well under a millisecond.

A request allocates thousands of container objects that live across its awaits, so at
CPython's default threshold (a young collection every 700 more allocations than deallocations)
the collector kept walking requests still in flight, promoting them and walking them again in the
older generations: under 16 concurrent buyers, 3.2 % of transaction-service's CPU (220 young
collections of ~0.7 ms, 20 middle and a full one). At 10,000 the same work took 0.7 % (a young
collection every ~0.5 s of CPU, ~3.7 ms each, nothing older), so young collections run that far
apart while the app serves. Garbage without cycles is freed by reference counting as before; at
most those 10,000 more objects wait for the collector.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_GENERATION_THRESHOLD = 10_000


@contextmanager
def startup_heap_frozen() -> Iterator[None]:
    """Around a lifespan's `yield`: the start-up heap frozen and young collections spaced out
    while the app serves, both handed back when it stops (so that an app built and stopped many
    times in one process, as tests do, leaves nothing behind)."""
    # No collection first: it would cost every test that starts an app a full pass over the test
    # process's heap, and start-up leaves little cyclic garbage to keep.
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
