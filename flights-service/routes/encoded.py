"""A cached flight search's answer encoded once and served again.

A cached search is the same answer to everyone until its cache entry changes, and building the
response models, validating them as the `response_model` and encoding a 27 KB answer was most of
such a request's cost (1.6 ms of CPU). The route keeps its `response_model`, so the OpenAPI schema
is unchanged, and the bytes served are the ones FastAPI would write (same TypeAdapter, same
`dump_json`). The autocompletes' kept answers are shared.kept_answers.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter


class EncodedResults:
    """Encoded answers of the immutable results the domain hands out again while nothing changed
    (FlightSearch returns the same object for a repeated cached search): by identity, holding the
    object so that its id cannot be reused by another; the least recently used goes first."""

    def __init__(self, model: Any, *, max_entries: int = 256) -> None:
        self._adapter: TypeAdapter[Any] = TypeAdapter(model)
        self._entries: OrderedDict[int, tuple[object, bytes]] = OrderedDict()
        self._max = max_entries

    def __len__(self) -> int:
        return len(self._entries)

    def encode(self, result: object, answer: Callable[[], Any], *, keep: bool) -> bytes:
        """The encoded `answer()` (the route's response model) of `result`; kept for the next
        request only when `keep` (a result that will be handed out again)."""
        seen = self._entries.get(id(result))
        if seen is not None and seen[0] is result:
            self._entries.move_to_end(id(result))
            return seen[1]
        body = self._adapter.dump_json(answer())
        if keep:
            self._entries[id(result)] = (result, body)
            self._entries.move_to_end(id(result))
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return body
