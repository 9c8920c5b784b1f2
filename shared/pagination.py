"""The list envelope every collection endpoint returns (docs/architecture.md, HTTP conventions),
its paging parameters, and the free-text filters lists take."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

# A free-text filter holds no control character: PostgreSQL's text holds no NUL (a filter with
# one was a 500 from the database), and one with a tab or a newline finds nothing anyway.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"


def text_filter(max_length: int, description: str | None = None) -> Any:
    """A list's free-text query parameter (a part of an email, a name, an order number): at most
    `max_length` characters and no control character, else 422 validation-error."""
    return Query(max_length=max_length, pattern=NO_CONTROL_CHARACTERS, description=description)


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


# async on purpose: FastAPI runs a plain `def` dependency in its thread pool, which costs more
# than the work itself on every request.
async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1-100)")] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


Pagination = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
