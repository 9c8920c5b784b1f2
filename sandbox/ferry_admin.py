"""Sandbox administration of the ferry operator (unauthenticated, local only): what is left on
a sailing, setting it (to race two buyers for the last seat), and the operator cancelling a
sailing for weather."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from ferry_operator import FerryOperator
from ferry_sailings import Sailing
from ferry_shapes import operator, sailing_brief
from pydantic import BaseModel, ConfigDict, Field

admin_router = APIRouter(prefix="/sandbox/ferry", tags=["sandbox admin"])


class SpaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seats: int = Field(ge=0, le=10_000)
    lane_meters: Decimal = Field(ge=0, le=10_000)


def _space(sailing: Sailing, ferry: FerryOperator) -> dict[str, Any]:
    left = ferry.deck.left(sailing)
    return {
        **sailing_brief(sailing, ferry),
        "available": {"seats": left.seats, "lane_meters": f"{left.lane_meters:.1f}"},
    }


@admin_router.get("/sailings/{sailing_id}")
async def admin_sailing(request: Request, sailing_id: str) -> dict[str, Any]:
    ferry = operator(request)
    ferry.sweep()
    return _space(ferry.sailing(sailing_id), ferry)


@admin_router.put("/sailings/{sailing_id}/space")
async def set_space(request: Request, sailing_id: str, body: SpaceIn) -> dict[str, Any]:
    """What is left on a sailing (e.g. one seat, to race two buyers for it)."""
    ferry = operator(request)
    sailing = ferry.sailing(sailing_id)
    ferry.deck.set_left(sailing, body.seats, body.lane_meters)
    return _space(sailing, ferry)


@admin_router.post("/sailings/{sailing_id}/cancel")
async def cancel_sailing(request: Request, sailing_id: str) -> dict[str, Any]:
    """The operator cancels the sailing (weather): no more sales, holds cannot be issued, and
    issued tickets refund in full when cancelled."""
    ferry = operator(request)
    sailing = ferry.sailing(sailing_id)
    touched = ferry.cancel_sailing(sailing)
    return {**_space(sailing, ferry), "bookings_affected": touched}
