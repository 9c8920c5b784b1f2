"""booking_details for a PPOB purchase: `{"contact": {email, phone, first_name?, last_name?},
"customer_number"?}`. Every broken rule is reported at once, at the path the client used."""

from __future__ import annotations

import re
from typing import Any

from domain.errors import InvalidBooking
from domain.models import Offer
from domain.numbers import account_number, digits_only, e164, local_mobile
from shared.booking_lifecycle import Customer

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
ALLOWED = {"contact", "customer_number"}
CONTACT_ALLOWED = {"email", "phone", "first_name", "last_name"}
Loc = tuple[str | int, ...]


def read_details(details: dict[str, Any], offer: Offer) -> tuple[Customer, dict[str, Any]]:
    """The payer and the details as we keep them (phone in E.164); InvalidBooking otherwise."""
    errors: list[tuple[Loc, str, str]] = []
    errors += [((key,), "Unknown field.", "extra_forbidden") for key in details if key not in ALLOWED]
    number = details.get("customer_number")
    if number is not None and (not isinstance(number, str) or not _same_number(number, offer)):
        errors.append((("customer_number",), f"The offer is for {offer.customer_no}.", "value_error"))
    contact = details.get("contact")
    customer: Customer | None = None
    if not isinstance(contact, dict):
        errors.append((("contact",), "A contact with email and phone is required.", "missing"))
    else:
        customer = _contact(contact, errors)
    if errors or customer is None:
        raise InvalidBooking(errors)
    normalised: dict[str, Any] = {
        "customer_number": offer.customer_no,
        "contact": {"email": customer.email, "phone": customer.phone},
    }
    if contact and contact.get("first_name"):
        normalised["contact"] |= {"first_name": customer.first_name, "last_name": customer.last_name}
    return customer, normalised


def _contact(contact: dict[str, Any], errors: list[tuple[Loc, str, str]]) -> Customer | None:
    before = len(errors)
    errors += [
        (("contact", k), "Unknown field.", "extra_forbidden") for k in contact if k not in CONTACT_ALLOWED
    ]
    email = contact.get("email")
    if not isinstance(email, str) or len(email) > 320 or not EMAIL.match(email.strip()):
        errors.append((("contact", "email"), "A valid email address is required.", "value_error"))
    phone = _phone(contact.get("phone"))
    if phone is None:
        errors.append(
            (("contact", "phone"), "A phone number in E.164 (+62…) or 08… is required.", "value_error")
        )
    names = {}
    for name in ("first_name", "last_name"):
        value = contact.get(name, "")
        if not isinstance(value, str) or len(value) > 100:
            errors.append((("contact", name), "At most 100 characters.", "value_error"))
        names[name] = value.strip().title() if isinstance(value, str) else ""
    if len(errors) > before or not isinstance(email, str) or phone is None:
        return None
    email = email.strip().lower()
    first = names["first_name"] or email.split("@")[0][:100]
    return Customer(first, names["last_name"], email, phone)


def _phone(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    local = local_mobile(value)
    if local is not None:
        return e164(local)
    compact = digits_only(value)
    return compact if E164.match(compact) else None


def _same_number(number: str, offer: Offer) -> bool:
    local = local_mobile(number)
    if local is not None:
        return local == offer.customer_no
    return account_number(number, (1, 20)) == offer.customer_no
