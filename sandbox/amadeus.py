"""Amadeus Self-Service, as served under /amadeus: OAuth2 token, flight-offers search, pricing and
flight orders (plus the sandbox-only issuance extension). Errors use Amadeus's
{"errors": [{status, code, title, detail, source?}]} shape."""

from __future__ import annotations

from amadeus_access import disturbed, token_router
from amadeus_errors import AmadeusError, AmadeusMalformed
from amadeus_offers import offers_router
from amadeus_orders import orders_router
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from knobs import MALFORMED_BODY


def install(app: FastAPI) -> None:
    router = APIRouter(prefix="/amadeus", dependencies=[Depends(disturbed)], tags=["amadeus (sandbox)"])
    for part in (token_router, offers_router, orders_router):
        router.include_router(part)
    app.include_router(router)

    async def on_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AmadeusError)
        return JSONResponse({"errors": [exc.body]}, status_code=exc.status)

    async def on_malformed(_: Request, exc: Exception) -> Response:
        return Response(MALFORMED_BODY, status_code=200, media_type="application/vnd.amadeus+json")

    app.add_exception_handler(AmadeusError, on_error)
    app.add_exception_handler(AmadeusMalformed, on_malformed)
