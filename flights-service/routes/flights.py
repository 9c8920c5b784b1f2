"""Public flight browsing: airports autocomplete, search, offers and re-pricing (no token needed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from domain.errors import InvalidSearch, TooManyPriceChecks
from domain.models import Filters, SortKey
from domain.repository import AirportDirectory, Clock
from domain.rules import build_criteria
from domain.services import FlightSearch, OfferDesk
from routes.encoded import EncodedResults
from routes.errors import too_many_price_checks
from routes.schemas import AirportOut, OfferOut, PriceCheckOut, SearchOut
from shared.client_address import Network, client_address
from shared.errors import ProblemError, problem_responses
from shared.kept_answers import json_bytes, kept_by_query

router = APIRouter(prefix="/flights", tags=["flights"])
HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


async def airports_dep(request: Request) -> AirportDirectory:
    airports: AirportDirectory = request.app.state.airports
    return airports


async def desk_dep(request: Request) -> OfferDesk:
    desk: OfferDesk = request.app.state.offer_desk
    return desk


def _problem(exc: InvalidSearch) -> ProblemError:
    return ProblemError(
        422,
        "invalid-search",
        str(exc),
        title="Invalid search",
        errors=[
            {"loc": ["query", p.field], "msg": p.message, "type": "invalid_search"} for p in exc.problems
        ],
    )


def _time(value: str | None) -> time | None:
    if value is None:
        return None
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


async def airports(
    airports: Annotated[AirportDirectory, Depends(airports_dep)],
    q: Annotated[str, Query(min_length=1, max_length=64, description="IATA code, city or airport name")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[AirportOut]:
    """Indonesian airports come first; an exact IATA code match always leads."""
    return [AirportOut.of(a) for a in airports.search(q, limit)]


# The directory is loaded once, so an answer is the same for the same query string: kept as bytes
# (shared/kept_answers.py).
router.add_api_route(
    "/airports",
    airports,
    methods=["GET"],
    response_model=list[AirportOut],
    summary="Airport autocomplete",
    route_class_override=kept_by_query("airport_answers"),
)


@router.get(
    "/search",
    response_model=SearchOut,
    summary="Search flights across every enabled supplier",
    responses=problem_responses(422),
)
async def search(
    request: Request,
    origin: Annotated[str, Query(min_length=3, max_length=3, description="IATA airport code")],
    destination: Annotated[str, Query(min_length=3, max_length=3, description="IATA airport code")],
    departure_date: date,
    return_date: date | None = None,
    adults: Annotated[int, Query(description="1..9")] = 1,
    children: Annotated[int, Query(description="0..8; adults + children ≤ 9")] = 0,
    infants: Annotated[int, Query(description="0..adults (on lap)")] = 0,
    cabin_class: Annotated[
        str, Query(description="economy | premium_economy | business | first")
    ] = "economy",
    max_stops: Annotated[int | None, Query(ge=0, le=3)] = None,
    carriers: Annotated[str | None, Query(description="Comma list of IATA carrier codes, e.g. GA,QG")] = None,
    depart_after: Annotated[str | None, Query(pattern=HHMM, description="HH:MM, local at origin")] = None,
    depart_before: Annotated[str | None, Query(pattern=HHMM, description="HH:MM, local at origin")] = None,
    max_price: Annotated[Decimal | None, Query(gt=0, description="IDR")] = None,
    sort: SortKey = SortKey.PRICE,
) -> Response:
    """Fans out to every enabled supplier under one deadline; a slow or failing supplier never
    fails the search (see `suppliers[].status`). A repeated search within the offer TTL is served
    from the cache (`cached: true`)."""
    # The app's parts are read from its state here rather than through Depends: on the hottest
    # public read every dependency FastAPI solves costs about 10 µs of CPU.
    state = request.app.state
    search: FlightSearch = state.flight_search
    airports: AirportDirectory = state.airports
    clock: Clock = state.clock
    try:
        criteria = build_criteria(
            origin=origin,
            destination=destination,
            departure_date=departure_date,
            return_date=return_date,
            adults=adults,
            children=children,
            infants=infants,
            cabin_class=cabin_class,
            airports=airports,
            now=clock(),
        )
        filters = Filters(
            max_stops=max_stops,
            carriers=frozenset(c.strip().upper() for c in (carriers or "").split(",") if c.strip()),
            depart_after=_time(depart_after),
            depart_before=_time(depart_before),
            max_price=max_price,
        )
        result = await search.search(criteria, filters, sort)
    except InvalidSearch as exc:
        raise _problem(exc) from exc
    # A cached search's answer is the same object until its cache entry changes (FlightSearch):
    # encoded once (routes/encoded.py).
    answers: EncodedResults = state.search_answers
    return json_bytes(answers.encode(result, lambda: SearchOut.of(result), keep=result.cached))


@router.get(
    "/offers/{offer_id}",
    response_model=OfferOut,
    summary="An offer from the cache",
    responses=problem_responses(410),
)
async def get_offer(offer_id: str, desk: Annotated[OfferDesk, Depends(desk_dep)]) -> OfferOut:
    """Served from the offer cache without calling the supplier; unknown or expired → 410."""
    return OfferOut.of(await desk.get(offer_id))


def client_dep(request: Request) -> str | None:
    peer = request.client.host if request.client else None
    trusted: Sequence[Network] = request.app.state.trusted_proxies
    return client_address(peer, request.headers.get("x-forwarded-for"), trusted)


@router.post(
    "/offers/{offer_id}/price",
    response_model=PriceCheckOut,
    summary="Re-price an offer with its supplier",
    responses=problem_responses(410, 429, 502, 503, 504),
)
async def price_offer(
    offer_id: str,
    desk: Annotated[OfferDesk, Depends(desk_dep)],
    client: Annotated[str | None, Depends(client_dep)],
) -> PriceCheckOut:
    """Asks the supplier for the current price. A change is reported (`price_changed`,
    `previous_total_price`), never hidden; the cached offer takes the new price. Each client
    (address) may re-price PRICE_CHECKS_PER_CLIENT times (default 30) per
    PRICE_CHECK_WINDOW_SECONDS (default 60); beyond that → 429 `too-many-price-checks` with
    `Retry-After`."""
    try:
        return PriceCheckOut.of(await desk.price(offer_id, client))
    except TooManyPriceChecks as exc:
        raise too_many_price_checks(exc) from exc
