"""Public hotel browsing: destinations autocomplete, availability search, hotel details (no token)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from domain.errors import FieldProblem, InvalidSearch
from domain.models import Board, SearchFilters, SortKey
from domain.ports import Clock
from domain.search import HotelSearch
from domain.search_rules import check_search
from routes.schemas import DestinationOut, HotelDetailsOut, SearchOut
from shared.errors import ProblemError, problem_responses
from shared.kept_answers import kept_by_query

router = APIRouter(prefix="/hotels", tags=["hotels"])
JAKARTA_OFFSET_HOURS = 7


async def search_dep(request: Request) -> HotelSearch:
    search: HotelSearch = request.app.state.hotel_search
    return search


async def clock_dep(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


Search = Annotated[HotelSearch, Depends(search_dep)]


def _problem(exc: InvalidSearch) -> ProblemError:
    return ProblemError(
        422,
        "invalid-search",
        str(exc),
        title="Invalid search",
        errors=[
            {"loc": ["query", *_path(pr.field)], "msg": pr.message, "type": "invalid_search"}
            for pr in exc.problems
        ],
    )


def _path(field: str) -> list[str | int]:
    return [int(part) if part.isdigit() else part for part in field.split(".")]


def _ages(raw: str | None) -> list[int]:
    if not raw or not raw.strip():
        return []
    try:
        return [int(part) for part in raw.split(",")]
    except ValueError:
        raise InvalidSearch(
            [FieldProblem("child_ages", "Ages are whole numbers separated by commas: 7,4.")]
        ) from None


async def destinations(
    search: Search,
    q: Annotated[str, Query(max_length=64, description="Part of a city, island or area name")] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> list[DestinationOut]:
    """Destinations (Bali, Jakarta…) and their areas (Ubud, Seminyak…); names starting with `q` first."""
    return [DestinationOut.of(d) for d in await search.destinations(q, limit)]


async def destination_source(request: Request) -> object | None:
    search: HotelSearch = request.app.state.hotel_search
    return await search.listed_destinations()


# An answer is the same for the same query string until the destinations list is read again:
# kept as bytes for as long as it is the same list (shared/kept_answers.py).
router.add_api_route(
    "/destinations",
    destinations,
    methods=["GET"],
    response_model=list[DestinationOut],
    summary="Destination autocomplete",
    route_class_override=kept_by_query("destination_answers", destination_source),
)


@router.get(
    "/search",
    response_model=SearchOut,
    summary="Hotel availability and rates",
    responses=problem_responses(422, 502, 503, 504),
)
async def search(
    search: Search,
    clock: Annotated[Clock, Depends(clock_dep)],
    destination: Annotated[str, Query(min_length=3, max_length=16, description='"DPS" or an area, "DPS-4"')],
    check_in: date,
    check_out: date,
    adults: Annotated[int, Query(ge=1, le=36)] = 2,
    children: Annotated[int, Query(ge=0, le=27)] = 0,
    child_ages: Annotated[
        str | None, Query(max_length=100, description="One age (0–17) per child: 7,4")
    ] = None,
    rooms: Annotated[int, Query(ge=1, le=9)] = 1,
    stars: Annotated[list[int] | None, Query(description="Keep these star ratings (repeatable)")] = None,
    board: Annotated[list[Board] | None, Query(description="Keep these boards (repeatable)")] = None,
    refundable: Annotated[bool, Query(description="Only rates with a refund on cancellation")] = False,
    max_price: Annotated[Decimal | None, Query(gt=0, max_digits=14, decimal_places=2)] = None,
    sort: SortKey = SortKey.PRICE,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> SearchOut:
    """Hotels with their offers (a room, a board and a rate for the whole stay). Prices are IDR
    for every room and night together, taxes included; cancellation deadlines are in the hotel's
    local time. Answers are cached briefly, so paging and filtering cost no supplier call."""
    today = (clock() + timedelta(hours=JAKARTA_OFFSET_HOURS)).date()
    try:
        criteria = check_search(
            destination, check_in, check_out, adults, children, _ages(child_ages), rooms, today
        )
    except InvalidSearch as exc:
        raise _problem(exc) from exc
    filters = SearchFilters(
        stars=frozenset(stars or ()),
        boards=frozenset(board or ()),
        refundable_only=refundable,
        max_price=max_price,
        sort=sort,
    )
    try:
        page = await search.search(criteria, filters, limit, offset)
    except InvalidSearch as exc:
        raise _problem(exc) from exc
    return SearchOut.of(page)


@router.get(
    "/{hotel_id}",
    response_model=HotelDetailsOut,
    summary="A hotel's details and rooms",
    responses=problem_responses(404),
)
async def hotel(search: Search, hotel_id: str) -> HotelDetailsOut:
    return HotelDetailsOut.of(await search.details(hotel_id))
