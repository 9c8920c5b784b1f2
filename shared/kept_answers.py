"""JSON answers kept as bytes and served again, for a route whose answer depends only on its query
string and on data reloaded rarely (the airport, port and destination autocompletes).

Such queries arrive keystroke after keystroke: parsing and validating the parameters again,
building the response models, validating them again as the `response_model` and encoding them
was most of such a request's cost. The route keeps its `response_model`, so the OpenAPI schema
is unchanged, and the bytes served again are the ones FastAPI wrote.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

JSON = "application/json"


# The longest query string whose answer is kept: what a traveller types is short, and each kept
# answer costs its key's memory too.
MAX_KEPT_QUERY = 256
Source = Callable[[Request], Awaitable[object | None]]
_LOADED_ONCE = object()  # the source of a route whose data is loaded at start and never again


class KeptAnswers:
    """A route's 200 answers by raw query string, a bounded LRU (the least recently used goes
    first). Answers made from data that can be reloaded name it as their `source`: another
    source drops them all."""

    def __init__(self, *, max_entries: int = 1024) -> None:
        self._entries: OrderedDict[bytes, bytes] = OrderedDict()
        self._max = max_entries
        self._source: object = None

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, query: bytes, *, source: object = None) -> bytes | None:
        if source is not self._source:
            self._entries.clear()
            self._source = source
            return None
        body = self._entries.get(query)
        if body is not None:
            self._entries.move_to_end(query)
        return body

    def put(self, query: bytes, body: bytes, *, source: object = None) -> None:
        if source is not self._source:
            self._entries.clear()
            self._source = source
        self._entries[query] = body
        self._entries.move_to_end(query)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)


def kept_by_query(state: str, source: Source | None = None) -> type[APIRoute]:
    """A route class for a GET whose answer depends only on its query string and, if given, on
    `source`: what the endpoint answers from as it is now, or None while it is not loaded (or is
    due to be loaded again), which only the endpoint does. A 200 answer is kept in the app's
    `state.<state>` (KeptAnswers) while the source stays the same object, and the same query string
    is then answered with those bytes without FastAPI parsing and validating the parameters or
    running the endpoint again. Anything else (a 422, a 503 when the source cannot be loaded, a
    query string longer than MAX_KEPT_QUERY) is answered as always, in the same order. The endpoint
    must answer only from its query and the source, and set no header."""

    async def current(request: Request) -> object:
        return await source(request) if source is not None else _LOADED_ONCE

    class KeptByQuery(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def kept_or_handled(request: Request) -> Response:
                answers: KeptAnswers = getattr(request.app.state, state)
                query: bytes = request.scope["query_string"]
                before = await current(request)
                keep = before is not None and len(query) <= MAX_KEPT_QUERY
                body = answers.get(query, source=before) if keep else None
                if body is not None:
                    return json_bytes(body)
                response = await handler(request)
                answered = keep and response.status_code == 200 and response.media_type == JSON
                # Kept only if made from that very source (not from one loaded meanwhile).
                if answered and await current(request) is before:
                    answers.put(query, bytes(response.body), source=before)
                return response

            return kept_or_handled

    return KeptByQuery


def json_bytes(body: bytes) -> Response:
    """The response FastAPI builds for a `response_model` route: the same body, status and headers."""
    return Response(content=body, media_type=JSON)
