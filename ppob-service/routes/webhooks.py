"""The aggregator's callbacks for pending purchases: `POST /webhooks/digiflazz`. The signature
(`X-Hub-Signature: sha1=` HMAC of the raw body) is checked before the body is read; a forged
callback is 401 and changes nothing. Duplicates and late, out-of-order callbacks are answered
200 and change nothing either (a purchase leaves `pending` once)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Header, Request

from routes.deps import Callbacks, PurchasesDep
from shared.errors import ProblemError, problem_responses

logger = logging.getLogger("ppob.webhooks")
router = APIRouter(prefix="/webhooks", tags=["webhooks"])


@router.post("/digiflazz", responses=problem_responses(400, 401))
async def digiflazz_callback(
    request: Request,
    purchases: PurchasesDep,
    reader: Callbacks,
    x_hub_signature: Annotated[str | None, Header()] = None,
    x_digiflazz_delivery: Annotated[str | None, Header(max_length=100)] = None,
    x_digiflazz_event: Annotated[str | None, Header(max_length=40)] = None,
) -> dict[str, str]:
    raw = await request.body()
    if not reader.verify(raw, x_hub_signature):
        logger.warning("digiflazz callback with a bad signature refused")
        raise ProblemError(401, "invalid-signature", "The X-Hub-Signature does not match the body.")
    try:
        result = reader.parse(raw)
    except ValueError as exc:
        raise ProblemError(400, "invalid-callback", f"Not a purchase update: {exc}.") from exc
    booking = await purchases.receive_callback(result, x_digiflazz_delivery)
    logger.info(
        "digiflazz callback",
        extra={
            "ref_id": result.ref_id,
            "event": x_digiflazz_event,
            "state": result.state,
            "known": booking is not None,
        },
    )
    return {"status": "ok"}
