"""Admin: the aggregator deposit, the margin on prepaid products, and purchases by status
(pending ones first of all). Admin role required."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query

from domain.models import Margin
from routes.deps import CatalogueDep, PurchasesDep
from routes.schemas import BalanceOut, MarginIn, MarginOut, PurchaseList, PurchaseOut
from shared.booking_api import BookingOut
from shared.booking_lifecycle import BookingStatus
from shared.errors import problem_responses
from shared.money import money_string
from shared.security import AdminPrincipal

router = APIRouter(prefix="/ppob", tags=["ppob admin"], responses=problem_responses(401, 403))


@router.get("/balance", response_model=BalanceOut, responses=problem_responses(503, 504))
async def balance(_: AdminPrincipal, purchases: PurchasesDep) -> BalanceOut:
    """Our deposit at the aggregator, read now."""
    return BalanceOut(supplier=purchases.supplier, deposit=money_string(await purchases.balance()))


@router.get("/settings/margin", response_model=MarginOut)
async def get_margin(_: AdminPrincipal, catalogue: CatalogueDep) -> MarginOut:
    """What we add to the aggregator's price of prepaid products (bills carry their admin fee)."""
    return MarginOut.of(await catalogue.margin())


@router.put("/settings/margin", response_model=MarginOut, responses=problem_responses(422))
async def set_margin(body: MarginIn, _: AdminPrincipal, catalogue: CatalogueDep) -> MarginOut:
    margin = await catalogue.set_margin(Margin(Decimal(body.flat), Decimal(body.percent)))
    return MarginOut.of(margin)


@router.get("/purchases", response_model=PurchaseList)
async def purchases_list(
    _: AdminPrincipal,
    purchases: PurchasesDep,
    status: BookingStatus | None = BookingStatus.PENDING,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,  # past PostgreSQL's bigint is a 500
) -> PurchaseList:
    """Purchases by status, newest first (default: the pending ones, waiting for the operator)."""
    items, total = await purchases.purchases(status, limit, offset)
    out = [PurchaseOut.model_validate(BookingOut.json_of(purchases.view(b))) for b in items]
    return PurchaseList(items=out, total=total, limit=limit, offset=offset)
