"""Duffel, as served under /duffel: offer requests, offers, orders, payments and order
cancellations, each requiring `Authorization: Bearer` and `Duffel-Version: v2`."""

from __future__ import annotations

from duffel_errors import DuffelError, DuffelMalformed, disturbed
from duffel_offers import offers_router
from duffel_orders import orders_router
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from knobs import MALFORMED_BODY


def install(app: FastAPI) -> None:
    router = APIRouter(prefix="/duffel", dependencies=[Depends(disturbed)], tags=["duffel (sandbox)"])
    router.include_router(offers_router)
    router.include_router(orders_router)
    app.include_router(router)

    async def on_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DuffelError)
        return JSONResponse(exc.body(), status_code=exc.status)

    async def on_malformed(_: Request, exc: Exception) -> Response:
        return Response(MALFORMED_BODY, status_code=200, media_type="application/json")

    app.add_exception_handler(DuffelError, on_error)
    app.add_exception_handler(DuffelMalformed, on_malformed)
