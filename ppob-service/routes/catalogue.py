"""Public PPOB browsing: the catalogue (for a category, or for a typed number) and inquiries that
quote a product for a customer number. No account is needed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from domain.errors import TooManyInquiries
from domain.models import Category
from domain.numbers import OPERATOR_NAMES, local_mobile, looks_like_phone, operator_of
from routes.deps import CatalogueDep
from routes.errors import too_many_inquiries
from routes.schemas import InquiryIn, OfferOut, ProductList, ProductOut
from shared.client_address import Network, client_address
from shared.errors import problem_responses

router = APIRouter(prefix="/ppob", tags=["ppob"])


@router.get("/products", response_model=ProductList, responses=problem_responses(422, 503))
async def products(
    catalogue: CatalogueDep,
    category: Category | None = None,
    customer_no: Annotated[str | None, Query(min_length=4, max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ProductList:
    """What is on sale now, cheapest first within each brand. With a phone number (`0812…`,
    `+62812…`, `62812…`) pulsa and data show only the operator its prefix belongs to; a prefix
    no operator uses, or a number that is not a phone number, is 422."""
    items = await catalogue.products(category, customer_no)
    operator = None
    if customer_no and looks_like_phone(customer_no):
        local = local_mobile(customer_no)
        code = operator_of(local) if local else None
        operator = OPERATOR_NAMES.get(code) if code else None
    page = items[offset : offset + limit]
    return ProductList(
        items=[ProductOut.of(i) for i in page],
        total=len(items),
        limit=limit,
        offset=offset,
        operator=operator,
    )


def client_dep(request: Request) -> str | None:
    peer = request.client.host if request.client else None
    trusted: Sequence[Network] = request.app.state.trusted_proxies
    return client_address(peer, request.headers.get("x-forwarded-for"), trusted)


@router.post(
    "/inquiries", status_code=201, response_model=OfferOut, responses=problem_responses(422, 429, 503, 504)
)
async def inquire(
    body: InquiryIn, catalogue: CatalogueDep, client: Annotated[str | None, Depends(client_dep)]
) -> OfferOut:
    """Quotes a product for a customer number: for top-ups the validated number and the price,
    for PLN tokens the meter owner's name and power, for postpaid bills the customer's name,
    the months, bill, penalty (denda), admin fee and total. Wrong number, wrong operator,
    unknown meter or no bill yet → 422 with the reason. The offer expires at `expires_at`. Each
    client (address) may inquire INQUIRIES_PER_CLIENT times (default 30) per
    INQUIRY_WINDOW_SECONDS (default 60); beyond that → 429 `too-many-inquiries` with
    `Retry-After`."""
    try:
        return OfferOut.of(await catalogue.inquire(body.product_code, body.customer_no, client))
    except TooManyInquiries as exc:
        raise too_many_inquiries(exc) from exc
