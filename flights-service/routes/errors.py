"""The one place flights domain errors become HTTP problems."""

from __future__ import annotations

from domain.errors import (
    InvalidSearch,
    OfferExpired,
    OfferNotFound,
    PriceChanged,
    SupplierRejected,
    SupplierUnavailable,
    UnknownSupplier,
)
from shared.errors import ProblemSpec

ERROR_MAP: dict[type[Exception], ProblemSpec] = {
    InvalidSearch: ProblemSpec(422, "invalid-search", "Invalid search"),
    OfferNotFound: ProblemSpec(410, "offer-expired", "Offer expired or unknown"),
    OfferExpired: ProblemSpec(410, "offer-expired", "Offer expired or unknown"),
    UnknownSupplier: ProblemSpec(410, "offer-expired", "Offer expired or unknown"),
    SupplierUnavailable: ProblemSpec(503, "supplier-unavailable", "Supplier unavailable"),
    SupplierRejected: ProblemSpec(502, "supplier-rejected", "Supplier refused the request"),
    PriceChanged: ProblemSpec(409, "price-changed", "Price changed"),
}
