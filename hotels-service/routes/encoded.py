"""JSON answers encoded once and served as bytes.

An autocomplete answer depends only on the query and on data reloaded rarely, and the same few
queries arrive keystroke after keystroke: building the response models, validating them again as
the `response_model` and encoding them was most of such a request's cost. The bytes are the ones
FastAPI itself would write for the route's `response_model` (same TypeAdapter, same `dump_json`),
and the route keeps `response_model`, so the OpenAPI schema is unchanged.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from fastapi import Response
from pydantic import TypeAdapter


class EncodedAnswers:
    """A bounded LRU of encoded answers by normalised query; the least recently used goes first,
    so a stream of distinct queries costs at most `max_entries` answers of memory. Answers made
    from data that can be reloaded name it as their `source`: another source drops them all."""

    def __init__(self, model: Any, *, max_entries: int = 1024) -> None:
        self._adapter: TypeAdapter[Any] = TypeAdapter(model)
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._max = max_entries
        self._source: object = None

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, *, source: object = None) -> bytes | None:
        if source is not self._source:
            self._entries.clear()
            self._source = source
            return None
        body = self._entries.get(key)
        if body is not None:
            self._entries.move_to_end(key)
        return body

    def put(self, key: Hashable, answer: Any, *, source: object = None) -> bytes:
        """Encodes `answer` (the route's response model, as FastAPI would) and keeps the bytes."""
        body = self._adapter.dump_json(answer)
        if source is not self._source:
            self._entries.clear()
            self._source = source
        self._entries[key] = body
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
        return body


def json_bytes(body: bytes) -> Response:
    """The response FastAPI builds for a `response_model` route: the same body, status and headers."""
    return Response(content=body, media_type="application/json")
