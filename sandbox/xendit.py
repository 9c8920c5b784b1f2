"""Xendit, as served under /xendit: the Invoices API (`/v2/invoices…`, `/invoices/{id}/expire!`),
refunds (`/refunds`), the invoice page (`/web/{id}`), and callbacks carrying the account's
x-callback-token. Administration under /sandbox (knobs, invoices, the callback log)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import xendit_admin
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from xendit_api import XenditError, error_response
from xendit_api import router as api_router
from xendit_page import page_router
from xendit_state import XenditState

logger = logging.getLogger("sandbox.xendit")
SWEEP_INTERVAL_SECONDS = 1.0


def install(app: FastAPI) -> None:
    """Registers the routes; call before the generic admin router (its /knobs/{supplier})."""
    router = APIRouter(prefix="/xendit", tags=["xendit (sandbox)"])
    router.include_router(api_router)
    router.include_router(page_router, include_in_schema=False)
    app.include_router(router)
    app.include_router(xendit_admin.router)

    async def on_xendit_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, XenditError)
        return error_response(exc)

    app.add_exception_handler(XenditError, on_xendit_error)


async def sweep_expiries(state: XenditState) -> None:
    """Pending invoices expire on time (with their callback) even if nobody looks."""
    while True:
        await asyncio.sleep(SWEEP_INTERVAL_SECONDS)
        try:
            state.sweep()
        except Exception:  # the sweeper must never die
            logger.exception("xendit expiry sweep failed")


@contextlib.asynccontextmanager
async def running(state: XenditState) -> AsyncIterator[None]:
    sweeper = asyncio.create_task(sweep_expiries(state))
    try:
        yield
    finally:
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        await state.callbacks.aclose()
