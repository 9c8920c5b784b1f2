"""RFC 9457 problem+json for every error a service returns.

Domain errors carry business names; each service maps them to HTTP in one table
(`install_problem_handlers(app, error_map)`), so routes never build error responses by hand.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.logging import request_id_var

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://docs.tiketq.id/problems/"

logger = logging.getLogger("shared.errors")

# Python 3.13 renamed four reason phrases after RFC 9110 (422 "Unprocessable Content", 413
# "Content Too Large", 414 "URI Too Long", 416 "Range Not Satisfiable"). Problem titles and the
# OpenAPI documents must not change with the interpreter a service runs on, so these keep the
# names the platform has always answered with; every other status uses the standard library's.
_STABLE_PHRASES = {
    413: ("Request Entity Too Large", "Entity is too large"),
    414: ("Request-URI Too Long", "URI is too long"),
    416: ("Requested Range Not Satisfiable", "Cannot satisfy request range"),
    422: ("Unprocessable Entity", ""),
}


def status_phrase(status: int) -> str:
    """The reason phrase of an HTTP status, the same on every supported Python."""
    stable = _STABLE_PHRASES.get(status)
    return stable[0] if stable else HTTPStatus(status).phrase


def status_description(status: int) -> str:
    stable = _STABLE_PHRASES.get(status)
    return stable[1] if stable else HTTPStatus(status).description


@dataclass(frozen=True)
class ProblemSpec:
    """How one domain exception type becomes an HTTP problem."""

    status: int
    slug: str
    title: str | None = None


class ProblemError(Exception):
    """Raise from routes or adapters to answer with a problem document."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str | None = None,
        *,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail or slug)
        self.status = status
        self.slug = slug
        self.title = title or status_phrase(status)
        self.detail = detail
        self.headers = dict(headers or {})
        self.errors = errors


def problem_response(
    status: int,
    slug: str,
    detail: str | None = None,
    *,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank" if slug == "about:blank" else PROBLEM_BASE + slug,
        "title": title or status_phrase(status),
        "status": status,
        "detail": detail or status_description(status),
        "request_id": request_id_var.get(),
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(
        jsonable_encoder(body), status_code=status, headers=dict(headers or {}), media_type=PROBLEM_MEDIA_TYPE
    )


def response_for(problem: ProblemError) -> JSONResponse:
    """The problem+json answer for `problem`, as the installed handlers send it."""
    return problem_response(
        problem.status,
        problem.slug,
        problem.detail,
        title=problem.title,
        headers=problem.headers,
        errors=problem.errors,
    )


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        # Never echo the rejected input back: it may be a password or a huge body.
        out.append({"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")})
    return out


_STATUS_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    429: "too-many-requests",
    502: "bad-gateway",
    503: "service-unavailable",
    504: "gateway-timeout",
}


def slug_for_status(status: int) -> str:
    return _STATUS_SLUGS.get(status, "about:blank")


# What a service's database says when it cannot take one more connection: the request did
# nothing, and a retry in a moment may well succeed (503, not 500). Matched by name,
# so that services without a database never import asyncpg for it.
_UNAVAILABLE = {
    ("asyncpg.exceptions", "TooManyConnectionsError"),
    ("asyncpg.exceptions", "CannotConnectNowError"),
    ("shared.db", "DatabaseBusy"),  # no pooled connection came free in time
}


# What PostgreSQL says of a text it cannot store: its text and JSONB hold no NUL (`\x00`, or
# `\u0000` in JSON). A request's text that no validation caught is refused as a 422, not a 500;
# the unit of work that sent it rolled back, so nothing was half done.
_UNSTORABLE_TEXT = {
    ("asyncpg.exceptions", "CharacterNotInRepertoireError"),
    ("asyncpg.exceptions", "UntranslatableCharacterError"),
}


def _caused_by(exc: BaseException, kinds: set[tuple[str, str]]) -> bool:
    """True when `exc`, or what caused it, is one of `kinds` (module, class name)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = type(current)
        if (kind.__module__, kind.__name__) in kinds:
            return True
        current = current.__cause__ or current.__context__
    return False


def database_unavailable(exc: BaseException) -> bool:
    """True when `exc`, or what caused it, is the database refusing one more connection."""
    return _caused_by(exc, _UNAVAILABLE)


def unexpected_error_response(exc: BaseException) -> JSONResponse:
    """The answer to an exception nothing mapped: 503 when the database refused a connection,
    422 when it refused a text of the request (a NUL; both logged as warnings), else 500 with the
    trace in the log and never in the answer."""
    if database_unavailable(exc):
        logger.warning("database unavailable: %r", exc)
        return problem_response(
            503,
            "database-unavailable",
            "The service cannot reach its database just now; try again shortly.",
            headers={"Retry-After": "1"},
        )
    if _caused_by(exc, _UNSTORABLE_TEXT):
        logger.warning("a text the database cannot store: %r", exc)
        return problem_response(
            422, "validation-error", "A text in the request holds a NUL character, which cannot be stored."
        )
    logger.error("unhandled error", exc_info=exc)
    return problem_response(500, "internal-error", "An unexpected error occurred; quote the request id.")


def install_problem_handlers(
    app: FastAPI, error_map: Mapping[type[Exception], ProblemSpec] | None = None
) -> None:
    mapping = dict(error_map or {})

    async def on_problem(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return response_for(exc)

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(
            exc.status_code, slug_for_status(exc.status_code), detail, headers=exc.headers
        )

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(
            422, "validation-error", "The request is not valid; see `errors`.", errors=_validation_errors(exc)
        )

    async def on_domain(_: Request, exc: Exception) -> JSONResponse:
        for exc_type in type(exc).__mro__:
            spec = mapping.get(exc_type)
            if spec is not None:
                return problem_response(spec.status, spec.slug, str(exc) or None, title=spec.title)
        return await on_unexpected(_, exc)

    async def on_unexpected(_: Request, exc: Exception) -> JSONResponse:
        return unexpected_error_response(exc)

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    for exc_type in mapping:
        app.add_exception_handler(exc_type, on_domain)
    app.add_exception_handler(Exception, on_unexpected)
    _document_problem_media_type(app)


def _document_problem_media_type(app: FastAPI) -> None:
    """Makes the OpenAPI document say what the handlers above send: FastAPI files every
    response model, `Problem` and its own validation error alike, under application/json,
    while errors go out as application/problem+json with the `Problem` body. Clients that
    pick a parser by media type, and the API fuzzer in the suite, rely on the document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _problems_as_problem_json(generate())
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


_PROBLEM_REF = "#/components/schemas/Problem"
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _problems_as_problem_json(document: dict[str, Any]) -> None:
    moved = False
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            if "requestBody" in operation:
                # A body that is not even text (bytes that are not UTF-8) is FastAPI's 400
                # bad-request, before any validation; well-formed text that is not the right
                # JSON is the 422 every route documents.
                operation.setdefault("responses", {}).setdefault(
                    "400",
                    {
                        "description": "Bad Request: the body could not be read",
                        "content": {"application/json": {"schema": {"$ref": _PROBLEM_REF}}},
                    },
                )
            for response in operation.get("responses", {}).values():
                content = response.get("content") or {}
                ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
                if ref == _PROBLEM_REF or ref.endswith("/HTTPValidationError"):
                    del content["application/json"]
                    content[PROBLEM_MEDIA_TYPE] = {"schema": {"$ref": _PROBLEM_REF}}
                    moved = True
    if not moved:
        return
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}"))
    # FastAPI's own validation schemas describe a body no TiketQ service sends.
    if '/HTTPValidationError"' not in json.dumps(document.get("paths", {})):
        for name in _FASTAPI_VALIDATION_SCHEMAS:
            schemas.pop(name, None)


class Problem(BaseModel):
    """The RFC 9457 body of every error response (media type application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = None


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route, so /docs shows its error statuses with the problem schema."""
    return {status: {"model": Problem, "description": status_phrase(status)} for status in statuses}
