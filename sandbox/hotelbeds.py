"""Hotelbeds APItude, as served under /hotelbeds: the Booking API (availability, checkrates,
bookings) and the Content API (destinations, hotel details), signed with Api-key + X-Signature;
plus two sandbox-only routes that play the hotelier answering an on-request booking."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from hotelbeds_access import (
    MALFORMED_BODY,
    GatewayRefusal,
    HotelbedsError,
    HotelbedsMalformed,
    audit_data,
    book,
    guarded,
)
from hotelbeds_booking_api import booking_body
from hotelbeds_booking_api import router as booking_router
from hotelbeds_content import router as content_router

hotelier = APIRouter(prefix="/sandbox/hotelbeds", tags=["sandbox admin"])


@hotelier.post("/bookings/{reference}/{answer}")
async def hotelier_answers(request: Request, reference: str, answer: str) -> JSONResponse:
    """⚠ Sandbox only: the hotel confirms or refuses an on-request (PENDING) booking now."""
    found = book(request).bookings.get(reference)
    if found is None or answer not in ("confirm", "refuse"):
        return JSONResponse({"detail": "no such booking or answer"}, status_code=404)
    if found.status != "PENDING":
        return JSONResponse({"detail": f"the booking is {found.status}, not PENDING"}, status_code=409)
    if answer == "confirm":
        found.status = "CONFIRMED"
    else:
        found.status, found.refused = "CANCELLED", True
        book(request).give_back(found.key)
    return JSONResponse({"booking": booking_body(request, found)})


def install(app: FastAPI) -> None:
    router = APIRouter(prefix="/hotelbeds", dependencies=[Depends(guarded)], tags=["hotelbeds (sandbox)"])
    router.include_router(booking_router)
    router.include_router(content_router)
    app.include_router(router)
    app.include_router(hotelier)

    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HotelbedsError)
        body = {"auditData": audit_data(request), "error": {"code": exc.code, "message": exc.message}}
        return JSONResponse(body, status_code=exc.status)

    async def on_refusal(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, GatewayRefusal)
        return Response(
            f"<h1>{exc.text}</h1>",
            status_code=exc.status,
            media_type="text/xml",
            headers={"X-Mashery-Error-Code": exc.mashery_code},
        )

    async def on_malformed(_: Request, exc: Exception) -> Response:
        return Response(MALFORMED_BODY, status_code=200, media_type="application/json")

    app.add_exception_handler(HotelbedsError, on_error)
    app.add_exception_handler(GatewayRefusal, on_refusal)
    app.add_exception_handler(HotelbedsMalformed, on_malformed)
