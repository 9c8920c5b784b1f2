"""GET /notifications/: the messages sent (or still to be sent) to a customer. A customer sees
their own; an admin sees anyone's and filters by user, order number, channel, kind and status."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from domain.models import Channel, Kind, Status
from domain.ports import Filters
from routes.deps import Reads
from routes.schemas import NotificationList, NotificationOut
from shared.errors import problem_responses
from shared.pagination import Pagination, text_filter
from shared.security import CurrentPrincipal

router = APIRouter(prefix="/notifications", tags=["notifications"], responses=problem_responses(401, 422))


@router.get("/", response_model=NotificationList)
async def list_notifications(
    principal: CurrentPrincipal,
    reads: Reads,
    page: Pagination,
    user_id: Annotated[str | None, text_filter(64, "Admin only: whose messages.")] = None,
    order_number: Annotated[str | None, text_filter(64)] = None,
    channel: Channel | None = None,
    kind: Kind | None = None,
    status: Status | None = None,
) -> NotificationList:
    """Newest first. For a customer, `user_id` is always themselves."""
    filters = Filters(user_id=user_id, status=status, channel=channel, kind=kind, order_number=order_number)
    items, total = await reads.list_for(
        principal.account_id, principal.is_admin, filters, page.limit, page.offset
    )
    return NotificationList(
        items=[NotificationOut.of(n) for n in items], total=total, limit=page.limit, offset=page.offset
    )


@router.get("/{notification_id}", response_model=NotificationOut, responses=problem_responses(404))
async def get_notification(
    notification_id: uuid.UUID, principal: CurrentPrincipal, reads: Reads
) -> NotificationOut:
    """One message with its status and the provider's last answer; someone else's is 404."""
    return NotificationOut.of(await reads.get_for(principal.account_id, principal.is_admin, notification_id))
