"""Public ferry browsing: ports, routes and sailing search (no token needed)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from domain.errors import InvalidSearch
from domain.repository import Clock
from domain.search import Catalogue, FerrySearch, build_criteria
from routes.errors import field_errors
from routes.schemas import PortOut, RouteOut, SearchOut
from shared.errors import ProblemError, problem_responses
from shared.kept_answers import kept_by_query

router = APIRouter(prefix="/ferries", tags=["ferries"])


async def catalogue_dep(request: Request) -> Catalogue:
    catalogue: Catalogue = request.app.state.catalogue
    return catalogue


async def search_dep(request: Request) -> FerrySearch:
    search: FerrySearch = request.app.state.ferry_search
    return search


async def clock_dep(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


CatalogueDep = Annotated[Catalogue, Depends(catalogue_dep)]


async def ports(
    catalogue: CatalogueDep,
    q: Annotated[str | None, Query(max_length=64, description="Code, name or city, e.g. merak")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> list[PortOut]:
    """Every port the operator sails from, or those whose code, name or city contains `q` (an
    exact code first)."""
    return [PortOut.of(p) for p in await catalogue.ports(q, limit)]


async def port_source(request: Request) -> object | None:
    catalogue: Catalogue = request.app.state.catalogue
    return catalogue.loaded_ports()


# An answer is the same for the same query string until the catalogue is loaded again: kept as
# bytes for as long as it is the same load (shared/kept_answers.py).
router.add_api_route(
    "/ports",
    ports,
    methods=["GET"],
    response_model=list[PortOut],
    summary="Ports",
    responses=problem_responses(503, 504),
    route_class_override=kept_by_query("port_answers", port_source),
)


@router.get("/routes", response_model=list[RouteOut], summary="Routes", responses=problem_responses(503, 504))
async def routes(catalogue: CatalogueDep) -> list[RouteOut]:
    """Every crossing, each direction, with its service classes, crossing time and frequency."""
    return [RouteOut.of(r) for r in await catalogue.routes()]


@router.get(
    "/search",
    response_model=SearchOut,
    summary="Search sailings",
    responses=problem_responses(422, 503, 504),
)
async def search(
    catalogue: CatalogueDep,
    search: Annotated[FerrySearch, Depends(search_dep)],
    clock: Annotated[Clock, Depends(clock_dep)],
    origin: Annotated[str, Query(min_length=2, max_length=8, description="Port code, e.g. MRK")],
    destination: Annotated[str, Query(min_length=2, max_length=8, description="Port code, e.g. BKH")],
    departure_date: Annotated[date, Query(description="Local date at the origin port, up to 60 days ahead")],
    adults: Annotated[int, Query(description="1..20")] = 1,
    children: Annotated[int, Query(description="2–11 years")] = 0,
    infants: Annotated[int, Query(description="under 2, on an adult's lap; at most one per adult")] = 0,
    vehicle_class: Annotated[
        str | None, Query(description="Golongan: I, II, III, IVA, IVB, VA, VB, VIA, VIB, VII, VIII, IX")
    ] = None,
    service_class: Annotated[str | None, Query(description="regular | executive")] = None,
) -> SearchOut:
    """Sailings that still have room for the party (and its vehicle), earliest first. A vehicle's
    fare carries its driver and the people inside it (see `included_in_vehicle`). A repeated
    search within the offer TTL is served from the cache (`cached: true`)."""
    try:
        criteria = await build_criteria(
            catalogue,
            clock(),
            origin=origin,
            destination=destination,
            departure_date=departure_date,
            adults=adults,
            children=children,
            infants=infants,
            vehicle_class=vehicle_class,
            service_class=service_class,
        )
    except InvalidSearch as exc:
        raise ProblemError(
            422,
            "invalid-search",
            str(exc),
            title="Invalid search",
            errors=field_errors(exc.problems, "", "invalid_search"),
        ) from exc
    return SearchOut.of(await search.search(criteria))
