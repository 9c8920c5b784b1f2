"""Sandbox administration (unauthenticated, local only): read and set the knobs, reset state."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from state import SandboxState

router = APIRouter(prefix="/sandbox", tags=["sandbox admin"])
Supplier = Literal["amadeus", "duffel", "ferry", "hotelbeds"]


class KnobChanges(BaseModel):
    """Any subset of one supplier's knobs."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: int | None = Field(default=None, ge=0, le=120_000)
    error_rate: float | None = Field(default=None, ge=0, le=1)
    timeout_rate: float | None = Field(default=None, ge=0, le=1)
    malformed_rate: float | None = Field(default=None, ge=0, le=1)
    price_change_pct: float | None = Field(default=None, ge=-90, le=500)
    hold_failure_rate: float | None = Field(default=None, ge=0, le=1)


class MidtransKnobChanges(BaseModel):
    """Any subset of Midtrans's knobs."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: int | None = Field(default=None, ge=0, le=120_000)
    error_rate: float | None = Field(default=None, ge=0, le=1)
    duplicate_notifications: int | None = Field(default=None, ge=0, le=100)
    shuffle_notifications: bool | None = None
    notification_delay_ms: int | None = Field(default=None, ge=0, le=120_000)
    errors_in_http_200: bool | None = None


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


@router.get("/knobs")
async def all_knobs(request: Request) -> dict[str, dict[str, Any]]:
    state = _state(request)
    return _knobs(state)


def _knobs(state: SandboxState) -> dict[str, dict[str, Any]]:
    listed = {name: knobs.as_dict() for name, knobs in state.knobs.current.items()}
    listed["midtrans"] = state.midtrans.knobs.as_dict()
    listed["xendit"] = state.xendit.knobs.as_dict()
    return listed


# Declared before /knobs/{supplier}, whose supplier is a flight supplier.
@router.get("/knobs/midtrans")
async def midtrans_knobs(request: Request) -> dict[str, Any]:
    return _state(request).midtrans.knobs.as_dict()


@router.put("/knobs/midtrans")
async def set_midtrans_knobs(request: Request, changes: MidtransKnobChanges) -> dict[str, Any]:
    return _state(request).midtrans.update_knobs(changes.model_dump(exclude_none=True)).as_dict()


@router.get("/knobs/{supplier}")
async def supplier_knobs(request: Request, supplier: Supplier) -> dict[str, Any]:
    return _state(request).knobs.get(supplier).as_dict()


@router.put("/knobs/{supplier}")
async def set_knobs(request: Request, supplier: Supplier, changes: KnobChanges) -> dict[str, Any]:
    board = _state(request).knobs
    return board.update(supplier, changes.model_dump(exclude_none=True)).as_dict()


@router.post("/reset")
async def reset(request: Request) -> dict[str, Any]:
    """Knobs back to their environment defaults; seats, holds and offers back to SANDBOX_SEED; Midtrans
    transactions, Xendit invoices and refunds, queued notifications and callbacks and their delivery
    logs forgotten."""
    state = _state(request)
    state.knobs.reset()
    state.clear()
    state.midtrans.reset()
    return {"status": "reset", "knobs": _knobs(state)}
