"""SupplierClient for Duffel (API v2): offer requests with offers returned inline, and a single
offer's fresh price (GET /air/offers/{id}); and its booking operations: hold orders, payments
that issue them, and two-step order cancellations."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import quote

import httpx

from adapters.booking_common import assign_supplier_ids, utc_instant
from adapters.normalise import (
    MalformedOffer,
    cabin,
    carrier_name,
    iso_duration_minutes,
    local_time,
    money,
)
from adapters.supplier_http import error_codes, error_text, json_object, send
from domain.bookings import Passenger, SupplierHold, SupplierOrder, Ticket
from domain.errors import (
    BookingCancelled,
    HoldExpired,
    HoldRefused,
    OfferExpired,
    SupplierRejected,
    SupplierUnavailable,
)
from domain.models import (
    CURRENCY,
    Baggage,
    CabinClass,
    Itinerary,
    Offer,
    PassengerPrice,
    PassengerType,
    SearchCriteria,
    Segment,
    SupplierOffer,
)
from domain.offer_ids import encode_offer_id
from domain.repository import AirportDirectory
from shared.booking_lifecycle import Contact

NAME = "duffel"
API_VERSION = "v2"
CHILD_AGE = 8  # Duffel takes passengers as {"type": "adult"} or {"age": n}
INFANT_AGE = 1
GONE_CODES = {"offer_no_longer_available", "not_found", "offer_expired", "offer_request_already_booked"}
logger = logging.getLogger("flights.duffel")

_TYPES = {
    "adult": PassengerType.ADULT,
    "child": PassengerType.CHILD,
    "infant_without_seat": PassengerType.INFANT,
}


def duffel_headers(access_token: str) -> dict[str, str]:
    """Default headers for the Duffel client (set once in app.py)."""
    return {
        "Authorization": f"Bearer {access_token}",
        "Duffel-Version": API_VERSION,
        "Accept": "application/json",
    }


class DuffelClient:
    name = NAME

    def __init__(self, client: httpx.AsyncClient, *, access_token: str, airports: AirportDirectory) -> None:
        self._client = client
        self._headers = duffel_headers(access_token)
        self._airports = airports

    async def _call(
        self, method: str, path: str, *, refusals: frozenset[str] = frozenset(), **kwargs: Any
    ) -> tuple[int, dict[str, Any]]:
        """`refusals`: error types answered with a 5xx that are the supplier's word, not an outage
        (the caller inspects them)."""
        response = await send(self._client, NAME, method, path, headers=self._headers, **kwargs)
        body = json_object(response, NAME)
        if response.status_code >= 500 and _error_types(body) & refusals:
            return response.status_code, body
        if response.status_code >= 500 or response.status_code in (401, 403, 429):
            raise SupplierUnavailable(NAME, error_text(body, response.status_code))
        return response.status_code, body

    async def search(self, criteria: SearchCriteria) -> list[SupplierOffer]:
        slices = [
            {
                "origin": criteria.origin,
                "destination": criteria.destination,
                "departure_date": criteria.departure_date.isoformat(),
            }
        ]
        if criteria.return_date:
            slices.append(
                {
                    "origin": criteria.destination,
                    "destination": criteria.origin,
                    "departure_date": criteria.return_date.isoformat(),
                }
            )
        passengers: list[dict[str, Any]] = [{"type": "adult"} for _ in range(criteria.adults)]
        passengers += [{"age": CHILD_AGE} for _ in range(criteria.children)]
        passengers += [{"age": INFANT_AGE} for _ in range(criteria.infants)]
        status, body = await self._call(
            "POST",
            "/air/offer_requests",
            params={"return_offers": "true"},
            json={
                "data": {
                    "slices": slices,
                    "passengers": passengers,
                    "cabin_class": criteria.cabin_class.value,
                }
            },
        )
        if status not in (200, 201):
            raise SupplierRejected(NAME, error_text(body, status))
        data = body.get("data")
        offers = data.get("offers") if isinstance(data, dict) else None
        if not isinstance(offers, list):
            raise SupplierUnavailable(NAME, "malformed response (no offers)")
        out: list[SupplierOffer] = []
        for raw in offers:
            try:
                out.append(SupplierOffer(self.parse_offer(raw, criteria.cabin_class), raw))
            except (MalformedOffer, KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
                logger.warning("skipping a malformed Duffel offer: %s", exc)
        if offers and not out:
            raise SupplierUnavailable(NAME, "malformed response (no usable offer)")
        return out

    async def price(self, cached: SupplierOffer, criteria: SearchCriteria) -> SupplierOffer:
        offer_id = cached.offer.supplier_offer_id
        status, body = await self._call("GET", f"/air/offers/{offer_id}")
        if status == 404 or (400 <= status < 500 and error_codes(body) & GONE_CODES):
            raise OfferExpired(f"The offer is no longer available ({error_text(body, status)}).")
        if status != 200:
            raise SupplierRejected(NAME, error_text(body, status))
        raw = body.get("data")
        if not isinstance(raw, dict):
            raise SupplierUnavailable(NAME, "malformed offer response")
        try:
            return SupplierOffer(self.parse_offer(raw, criteria.cabin_class), raw)
        except (MalformedOffer, KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise SupplierUnavailable(NAME, "malformed offer response") from exc

    # --- SupplierBookingClient ----------------------------------------------------------------

    async def hold(
        self, priced: SupplierOffer, passengers: tuple[Passenger, ...], contact: Contact
    ) -> SupplierHold:
        """POST /air/orders type "hold": seats held, payment due by payment_required_by."""
        slots = [
            (_TYPES.get(str(p.get("type")), _age_type(p.get("age"))), str(p.get("id")))
            for p in priced.raw.get("passengers") or []
        ]
        travellers = assign_supplier_ids(NAME, passengers, slots)
        payload = [_passenger(p, contact) for p in travellers]
        adults = [d for d, p in zip(payload, travellers, strict=True) if p.type is PassengerType.ADULT]
        infants = [p for p in travellers if p.type is PassengerType.INFANT]
        for adult, infant in zip(adults, infants, strict=False):
            adult["infant_passenger_id"] = infant.supplier_passenger_id  # one lap infant per adult
        status, body = await self._call(
            "POST",
            "/air/orders",
            refusals=frozenset({"airline_error"}),
            json={
                "data": {
                    "type": "hold",
                    "selected_offers": [priced.offer.supplier_offer_id],
                    "passengers": payload,
                }
            },
        )
        if status not in (200, 201):
            if status >= 500 or error_codes(body) & SOLD_OUT_CODES:
                raise HoldRefused(NAME, error_text(body, status))
            if status == 404:
                raise OfferExpired(f"The offer is no longer available ({error_text(body, status)}).")
            raise SupplierRejected(NAME, error_text(body, status))
        order = body.get("data")
        try:
            assert isinstance(order, dict)
            if order.get("total_currency") != CURRENCY:
                raise MalformedOffer(f"currency {order.get('total_currency')!r} is not {CURRENCY}")
            payment = order.get("payment_status") or {}
            expires = utc_instant(payment.get("payment_required_by")) or utc_instant(
                payment.get("price_guarantee_expires_at")
            )
            if expires is None:
                raise MalformedOffer("the hold order has no payment_required_by")
            return SupplierHold(
                order_id=str(order["id"]),
                reference=str(order["booking_reference"]),
                total_price=money(order["total_amount"]),
                hold_expires_at=expires,
                passengers=travellers,
            )
        except (AssertionError, KeyError, TypeError, ValueError, MalformedOffer) as exc:
            raise SupplierUnavailable(NAME, "malformed order response") from exc

    async def issue(self, order: SupplierOrder) -> tuple[Ticket, ...]:
        """POST /air/payments for the order's total, then the order's electronic tickets. An
        order already paid (a retry) goes straight to its tickets."""
        status, body = await self._call(
            "POST",
            "/air/payments",
            json={
                "data": {
                    "order_id": order.order_id,
                    "payment": {
                        "type": "balance",
                        "amount": f"{order.total_price:.2f}",
                        "currency": CURRENCY,
                    },
                }
            },
        )
        if status not in (200, 201):
            codes = error_codes(body)
            if codes & EXPIRED_CODES:
                raise HoldExpired(f"The hold has expired ({error_text(body, status)}).")
            if codes & CANCELLED_CODES:
                raise BookingCancelled(f"The booking is cancelled ({error_text(body, status)}).")
            if not codes & PAID_CODES:
                raise SupplierRejected(NAME, error_text(body, status))
        status, body = await self._call("GET", f"/air/orders/{quote(order.order_id, safe='')}")
        if status != 200:
            raise SupplierRejected(NAME, error_text(body, status))
        data = body.get("data")
        documents = data.get("documents") if isinstance(data, dict) else None
        if not isinstance(documents, list):
            raise SupplierUnavailable(NAME, "malformed order response (no documents)")
        names = {p.supplier_passenger_id: p.full_name for p in order.passengers}
        tickets = []
        try:
            for doc in documents:
                if doc.get("type") != "electronic_ticket":
                    continue
                for passenger_id in doc.get("passenger_ids") or [None]:
                    name = names.get(passenger_id, "") if passenger_id else ""
                    tickets.append(Ticket(name, str(doc["unique_identifier"]), passenger_id))
        except (KeyError, TypeError, AttributeError) as exc:
            raise SupplierUnavailable(NAME, "malformed order documents") from exc
        if not tickets:
            # Paid, but the airline has not ticketed yet: a retry finds the documents.
            raise SupplierUnavailable(NAME, "the order is paid but has no tickets yet")
        return tuple(tickets)

    async def cancel(self, order: SupplierOrder) -> Decimal | None:
        """Quote a cancellation (POST /air/order_cancellations), then confirm it: a hold is
        released (its quote refunds 0.00), a paid order cancelled with the refund its fare
        conditions allow, which is returned (None when the quote is not in IDR). An order Duffel
        already cancelled (or that lapsed) is already cancelled: None."""
        status, body = await self._call(
            "POST", "/air/order_cancellations", json={"data": {"order_id": order.order_id}}
        )
        if status not in (200, 201):
            if error_codes(body) & CANCELLED_CODES:
                return None
            raise SupplierRejected(NAME, error_text(body, status))
        data = body.get("data")
        quote_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(data, dict) or not isinstance(quote_id, str) or not quote_id:
            raise SupplierUnavailable(NAME, "malformed order cancellation response")
        refund = _refund_amount(data)
        status, body = await self._call(
            "POST", f"/air/order_cancellations/{quote(quote_id, safe='')}/actions/confirm"
        )
        if status != 200:
            if error_codes(body) & CANCELLED_CODES:
                return None
            raise SupplierRejected(NAME, error_text(body, status))
        return refund

    def parse_offer(self, raw: dict[str, Any], default_cabin: CabinClass) -> Offer:
        if raw.get("total_currency") != CURRENCY:
            raise MalformedOffer(f"currency {raw.get('total_currency')!r} is not {CURRENCY}")
        total_price = money(raw["total_amount"])
        itineraries = []
        fare: dict[str, Any] = {}
        for slice_ in raw["slices"]:
            segments = []
            for seg in slice_["segments"]:
                origin = seg["origin"]["iata_code"]
                destination = seg["destination"]["iata_code"]
                departure = local_time(seg["departing_at"], origin, self._airports)
                arrival = local_time(seg["arriving_at"], destination, self._airports)
                minutes = iso_duration_minutes(seg.get("duration"))
                if minutes is None:
                    minutes = int((arrival - departure).total_seconds() // 60)
                marketing = seg["marketing_carrier"]
                code = str(marketing["iata_code"])
                operating = (seg.get("operating_carrier") or {}).get("iata_code")
                aircraft = seg.get("aircraft") or {}
                segments.append(
                    Segment(
                        carrier_code=code,
                        carrier_name=carrier_name(code, marketing.get("name")),
                        flight_number=str(seg["marketing_carrier_flight_number"]),
                        origin=origin,
                        destination=destination,
                        departure_at=departure,
                        arrival_at=arrival,
                        duration_minutes=minutes,
                        aircraft=aircraft.get("name") or aircraft.get("iata_code"),
                        operating_carrier_code=operating if operating and operating != code else None,
                    )
                )
                if not fare:
                    fare = (seg.get("passengers") or [{}])[0]
            if not segments:
                raise MalformedOffer("slice without segments")
            total = iso_duration_minutes(slice_.get("duration"))
            if total is None:
                total = int((segments[-1].arrival_at - segments[0].departure_at).total_seconds() // 60)
            itineraries.append(Itinerary(tuple(segments), total))
        if not itineraries:
            raise MalformedOffer("offer without slices")

        # Duffel prices the offer as a whole; the per-passenger figure is an even split.
        counts: Counter[PassengerType] = Counter(
            _TYPES.get(str(p.get("type")), _age_type(p.get("age"))) for p in raw.get("passengers") or []
        )
        heads = sum(counts.values()) or 1
        each = (total_price / heads).quantize(Decimal("1"), ROUND_HALF_UP)
        passenger_prices = tuple(
            PassengerPrice(kind, counts[kind], each) for kind in PassengerType if counts[kind]
        )
        if not passenger_prices:
            passenger_prices = (PassengerPrice(PassengerType.ADULT, 1, total_price),)

        checked = sum(
            int(b.get("quantity", 0)) for b in fare.get("baggages") or [] if b.get("type") == "checked"
        )
        carry_on = sum(
            int(b.get("quantity", 0)) for b in fare.get("baggages") or [] if b.get("type") == "carry_on"
        )
        refund = (raw.get("conditions") or {}).get("refund_before_departure")
        return Offer(
            offer_id=encode_offer_id(NAME, str(raw["id"])),
            supplier=NAME,
            supplier_offer_id=str(raw["id"]),
            itineraries=tuple(itineraries),
            cabin_class=cabin(fare.get("cabin_class"), default_cabin),
            total_price=total_price,
            passenger_prices=passenger_prices,
            fare_class=None,
            fare_basis=fare.get("fare_basis_code"),
            fare_brand=fare.get("cabin_class_marketing_name") or raw.get("fare_brand_name"),
            baggage=Baggage(
                checked_pieces=checked if fare.get("baggages") is not None else None,
                cabin_pieces=carry_on if fare.get("baggages") is not None else None,
            ),
            refundable=bool(refund.get("allowed")) if isinstance(refund, dict) else None,
            expires_at=_expiry(raw.get("expires_at")),
        )


SOLD_OUT_CODES = {"offer_no_longer_available"}
EXPIRED_CODES = {"order_expired"}
CANCELLED_CODES = {"already_cancelled"}
PAID_CODES = {"already_paid"}


def _refund_amount(cancellation: dict[str, Any]) -> Decimal | None:
    """The quote's refund_amount in IDR; None when it names none, or another currency."""
    amount = cancellation.get("refund_amount")
    if amount is None:
        return None
    if cancellation.get("refund_currency") != CURRENCY:
        logger.warning(
            "order cancellation %s refunds in %r, not %s; amount not recorded",
            cancellation.get("id"),
            cancellation.get("refund_currency"),
            CURRENCY,
        )
        return None
    try:
        return Decimal(str(amount)).quantize(Decimal("0.01"))
    except ArithmeticError as exc:
        raise SupplierUnavailable(NAME, "malformed order cancellation refund_amount") from exc


def _error_types(body: dict[str, Any]) -> set[str]:
    errors = body.get("errors")
    if not isinstance(errors, list):
        return set()
    return {str(e.get("type")) for e in errors if isinstance(e, dict)}


def _passenger(p: Passenger, contact: Contact) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": p.supplier_passenger_id,
        "title": p.title.value,
        "gender": p.gender.value,
        "given_name": p.first_name,
        "family_name": p.last_name,
        "born_on": p.date_of_birth.isoformat(),
        "email": contact.email,
        "phone_number": contact.phone,
    }
    if p.passport_number:
        document: dict[str, Any] = {"type": "passport", "unique_identifier": p.passport_number}
        if p.passport_expiry:
            document["expires_on"] = p.passport_expiry.isoformat()
        if p.nationality:
            document["issuing_country_code"] = p.nationality
        out["identity_documents"] = [document]
    return out


def _age_type(age: object) -> PassengerType:
    if isinstance(age, int):
        return PassengerType.INFANT if age < 2 else PassengerType.CHILD if age < 12 else PassengerType.ADULT
    return PassengerType.ADULT


def _expiry(value: object) -> datetime | None:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None
