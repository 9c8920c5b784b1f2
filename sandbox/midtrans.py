"""Midtrans, as served under /midtrans: Snap (`/snap/v1/transactions`), the Snap payment page
(`/snap/v2/vtweb/{token}`), the Core API (`/v2/{order_id}/...`), and HTTP notifications signed
with the server key. Observability under /sandbox/midtrans."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from midtrans_access import CoreError, SnapError, midtrans
from midtrans_core import core_router
from midtrans_page import page_router
from midtrans_snap import snap_router
from midtrans_state import MidtransState

logger = logging.getLogger("sandbox.midtrans")
SWEEP_INTERVAL_SECONDS = 1.0

observe_router = APIRouter(prefix="/sandbox/midtrans", tags=["sandbox admin"])


@observe_router.get("/notifications")
async def notifications(
    request: Request, order_id: str | None = Query(default=None, max_length=100)
) -> dict[str, Any]:
    """The delivery log, oldest first (bounded): one entry per attempt with url,
    transaction_status, status_code, attempt, copy, http_status or error, and at."""
    return {"items": midtrans(request).notifier.entries(order_id)}


def install(app: FastAPI) -> None:
    router = APIRouter(prefix="/midtrans", tags=["midtrans (sandbox)"])
    router.include_router(snap_router)
    router.include_router(page_router, include_in_schema=False)
    router.include_router(core_router)
    app.include_router(router)
    app.include_router(observe_router)

    async def on_snap_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, SnapError)
        return JSONResponse(exc.body(), status_code=exc.status)

    async def on_core_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, CoreError)
        http_200 = midtrans(request).knobs.errors_in_http_200 and exc.status_code != 401
        return JSONResponse(exc.body(), status_code=200 if http_200 else exc.status_code)

    app.add_exception_handler(SnapError, on_snap_error)
    app.add_exception_handler(CoreError, on_core_error)


async def sweep_expiries(state: MidtransState) -> None:
    """Pending payments expire on time (with their notification) even if nobody looks."""
    while True:
        await asyncio.sleep(SWEEP_INTERVAL_SECONDS)
        try:
            state.sweep()
        except Exception:  # the sweeper must never die
            logger.exception("midtrans expiry sweep failed")


@contextlib.asynccontextmanager
async def running(state: MidtransState) -> Any:
    sweeper = asyncio.create_task(sweep_expiries(state))
    try:
        yield
    finally:
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        await state.notifier.aclose()
