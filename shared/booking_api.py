"""The booking contract's wire side (docs/booking-contract.md), the same for every product: the
hold request's envelope, the booking's body, the problems whose bodies the contract fixes
(price-changed with its extra members, invalid-booking with `errors[]` located under
["body", "booking_details", …]) and the router of /internal/bookings built on a product's desk.

A product gives the router its desk (hold, get, issue, cancel and the contract's view of its
booking: `BookingDesk` below), how its hold refusals read, and which of them are recorded under
the caller's Idempotency-Key. The routes are guarded by X-Internal-Token (missing or wrong → 404)
and left out of the public OpenAPI schema.
"""

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Protocol, Self, TypeVar, cast

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.booking_lifecycle import CURRENCY, ContractBooking
from shared.errors import PROBLEM_MEDIA_TYPE, ProblemSpec, problem_response
from shared.idempotency import IdempotencyStore, Replay
from shared.internal import require_internal
from shared.logging import request_id_var
from shared.money import money_string

PREFIX = "/internal/bookings"
DETAILS_ROOT = ("body", "booking_details")


def utc_instant(at: datetime) -> str:
    """UTC with a Z, as every service writes instants."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- the booking out ----------------------------------------------------------------------------


class LineItemOut(BaseModel):
    description: str
    quantity: int
    unit_price: str = Field(description="Decimal string; negative for a discount.")


class QuoteOut(BaseModel):
    items: list[LineItemOut]
    total: str
    currency: str


class CustomerOut(BaseModel):
    first_name: str
    last_name: str
    email: str
    phone: str


class DocumentOut(BaseModel):
    kind: str
    reference: str
    title: str
    fields: dict[str, str]


class BookingOut(BaseModel):
    booking_reference: str
    service_type: str
    offer_id: str
    status: str
    supplier: str
    supplier_reference: str | None
    holds_inventory: bool
    hold_expires_at: str
    quote: QuoteOut
    customer: CustomerOut
    booking_details: dict[str, Any]
    documents: list[DocumentOut]
    failure_reason: str | None
    refund_amount: str | None
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, b: ContractBooking) -> Self:
        return cls(
            booking_reference=b.reference,
            service_type=b.service_type,
            offer_id=b.offer_id,
            status=b.status.value,
            supplier=b.supplier,
            supplier_reference=b.supplier_reference,
            holds_inventory=b.holds_inventory,
            hold_expires_at=utc_instant(b.hold_expires_at),
            quote=QuoteOut(
                items=[
                    LineItemOut(
                        description=item.description,
                        quantity=item.quantity,
                        unit_price=money_string(item.unit_price),
                    )
                    for item in b.quote.items
                ],
                total=money_string(b.quote.total),
                currency=b.quote.currency,
            ),
            customer=CustomerOut(
                first_name=b.customer.first_name,
                last_name=b.customer.last_name,
                email=b.customer.email,
                phone=b.customer.phone,
            ),
            booking_details=dict(b.booking_details),
            documents=[
                DocumentOut(kind=d.kind, reference=d.reference, title=d.title, fields=dict(d.fields))
                for d in b.documents
            ],
            failure_reason=b.failure_reason,
            refund_amount=money_string(b.refund_amount) if b.refund_amount is not None else None,
            created_at=utc_instant(b.created_at),
            updated_at=utc_instant(b.updated_at),
        )

    @classmethod
    def json_of(cls, b: ContractBooking) -> dict[str, Any]:
        body: dict[str, Any] = cls.of(b).model_dump(mode="json")
        return body


# --- the hold request in ------------------------------------------------------------------------


class HoldIn(BaseModel):
    """The contract's hold request; `booking_details` is the product's own object, checked by its
    rules (unknown top-level fields are a 422 validation-error)."""

    model_config = ConfigDict(extra="forbid")

    offer_id: str = Field(min_length=1, max_length=512)
    booking_details: dict[str, Any]


# --- problems -----------------------------------------------------------------------------------

FieldError = tuple[Sequence[str | int], str, str]  # loc inside booking_details, msg, type


def dotted_loc(path: str) -> tuple[str | int, ...]:
    """ "passengers.0.first_name" → ("passengers", 0, "first_name"), as a loc names it."""
    return tuple(int(part) if part.isdigit() else part for part in path.split(".") if part)


def _body(response: JSONResponse) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(bytes(response.body))
    return body


def problem_answer(spec: ProblemSpec, detail: str) -> Replay:
    """A refusal as a recordable answer (the same on every replay)."""
    return Replay(spec.status, _body(problem_response(spec.status, spec.slug, detail, title=spec.title)))


def price_changed(detail: str, previous: Decimal, current: Decimal, currency: str = CURRENCY) -> Replay:
    """409 price-changed with the new total, so the caller can show it and hold again with a new
    key to accept it; nothing is held."""
    body = _body(problem_response(409, "price-changed", detail, title="Price changed"))
    body.update(
        total_price=money_string(current), previous_total_price=money_string(previous), currency=currency
    )
    return Replay(409, body)


def invalid_booking(detail: str, errors: Iterable[FieldError]) -> Replay:
    """422 listing every broken product rule at once, located where the caller put it (the same
    path the client used in POST /orders/, which passes this answer through unchanged)."""
    located = [{"loc": [*DETAILS_ROOT, *loc], "msg": msg, "type": kind} for loc, msg, kind in errors]
    return Replay(
        422,
        _body(
            problem_response(422, "invalid-booking", detail, title="Invalid booking request", errors=located)
        ),
    )


def invalid_details(exc: ValidationError) -> Replay:
    """booking_details of the wrong shape (a product that reads them with pydantic): to the caller,
    broken product rules like any other."""
    errors = [(tuple(e["loc"]), str(e["msg"]), str(e["type"])) for e in exc.errors()]
    detail = "; ".join(f"{'.'.join(str(p) for p in loc)}: {msg}" for loc, msg, _ in errors)
    return invalid_booking(detail, errors)


def answer(replay: Replay) -> JSONResponse:
    body = replay.body
    if replay.status >= 400 and isinstance(body, dict):
        # A replayed refusal names this request, so its id can be found in today's logs.
        body = {**body, "request_id": request_id_var.get()}
        return JSONResponse(body, status_code=replay.status, media_type=PROBLEM_MEDIA_TYPE)
    return JSONResponse(body, status_code=replay.status)


# --- the routes ---------------------------------------------------------------------------------

Details = TypeVar("Details", contravariant=True)
ProductBooking = TypeVar("ProductBooking")


class BookingDesk(Protocol[Details, ProductBooking]):
    """What a product's domain desk offers the contract: its use cases and the contract's view of
    the booking they return. `hold` is run once per Idempotency-Key by the route."""

    async def hold(self, key: str, offer_id: str, details: Details) -> ProductBooking: ...

    async def get(self, reference: str) -> ProductBooking: ...

    async def issue(self, reference: str) -> ProductBooking: ...

    async def cancel(self, reference: str) -> ProductBooking: ...

    def view(self, booking: ProductBooking) -> ContractBooking: ...


State = TypeVar("State")


def app_state(name: str, kind: type[State]) -> Callable[[Request], State]:
    """Reads what app.py put on `app.state` under `name` when the app started (the desk, the
    Idempotency-Key store): how the router finds them per request."""

    def read(request: Request) -> State:
        return cast(State, getattr(request.app.state, name))

    read.__name__ = f"app_state_{name}"
    return read


def as_sent(details: dict[str, Any]) -> dict[str, Any]:
    """For a desk that checks the raw booking_details itself (its rules list every problem)."""
    return details


def booking_router(
    desk_of: Callable[[Request], BookingDesk[Details, ProductBooking]],
    keys_of: Callable[[Request], IdempotencyStore],
    *,
    read_details: Callable[[dict[str, Any]], Details],
    refusal: Callable[[BaseException], Replay | None],
    recorded: tuple[type[BaseException], ...],
    scope: str = "bookings:hold",
    offer_id_max_length: int = 512,
) -> APIRouter:
    """POST /internal/bookings (hold), GET /{reference}, POST /{reference}/issue and /cancel.

    `read_details` turns the caller's booking_details into what the desk's hold takes (a pydantic
    ValidationError there is 422 invalid-booking); `refusal` gives the answer to a hold's business
    refusal, or None for an error the app's problem handlers answer; `recorded` are the refusals
    kept under the Idempotency-Key and replayed (a supplier outage is not: a retry runs again);
    `scope` names the hold keys in the idempotency table."""
    router = APIRouter(
        prefix=PREFIX, tags=["internal"], include_in_schema=False, dependencies=[Depends(require_internal)]
    )

    class ProductHoldIn(HoldIn):
        offer_id: str = Field(min_length=1, max_length=offer_id_max_length)

    async def desk_dep(request: Request) -> BookingDesk[Details, ProductBooking]:
        return desk_of(request)

    async def keys_dep(request: Request) -> IdempotencyStore:
        return keys_of(request)

    def record(exc: BaseException) -> Replay | None:
        return refusal(exc) if isinstance(exc, recorded) else None

    @router.post("", status_code=201)
    async def hold(
        body: ProductHoldIn,
        desk: Annotated[BookingDesk[Details, ProductBooking], Depends(desk_dep)],
        keys: Annotated[IdempotencyStore, Depends(keys_dep)],
        idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200)],
    ) -> JSONResponse:
        """Quotes the offer and, where the product has inventory, holds it at the offer's price,
        once per Idempotency-Key: concurrent duplicates wait for the first and replay its answer."""
        try:
            details = read_details(body.booking_details)
        except ValidationError as exc:
            return answer(invalid_details(exc))

        async def work() -> Replay:
            booking = await desk.hold(idempotency_key, body.offer_id, details)
            return Replay(201, BookingOut.json_of(desk.view(booking)))

        try:
            replay = await keys.run(scope, idempotency_key, body.model_dump(mode="json"), work, record)
        except Exception as exc:
            refused = refusal(exc)
            if refused is None:
                raise
            return answer(refused)
        return answer(replay)

    @router.get("/{reference}")
    async def get_booking(
        reference: str, desk: Annotated[BookingDesk[Details, ProductBooking], Depends(desk_dep)]
    ) -> JSONResponse:
        """The booking; a hold past its deadline reads expired."""
        return JSONResponse(BookingOut.json_of(desk.view(await desk.get(reference))))

    @router.post("/{reference}/issue")
    async def issue(
        reference: str, desk: Annotated[BookingDesk[Details, ProductBooking], Depends(desk_dep)]
    ) -> JSONResponse:
        """Fulfils after payment: issued at once, or pending until the supplier answers.
        Idempotent: an issued or pending booking is returned as it is."""
        return JSONResponse(BookingOut.json_of(desk.view(await desk.issue(reference))))

    @router.post("/{reference}/cancel")
    async def cancel(
        reference: str, desk: Annotated[BookingDesk[Details, ProductBooking], Depends(desk_dep)]
    ) -> JSONResponse:
        """Cancels at the supplier where the product allows it, with its refund_amount.
        Idempotent: a cancelled or expired booking is returned as it is."""
        return JSONResponse(BookingOut.json_of(desk.view(await desk.cancel(reference))))

    return router
