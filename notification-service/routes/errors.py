"""The one place notification-service's domain errors become HTTP problems (RFC 9457)."""

from __future__ import annotations

from domain.errors import NotificationNotFound
from shared.errors import ProblemSpec

ERROR_MAP: dict[type[Exception], ProblemSpec] = {
    NotificationNotFound: ProblemSpec(404, "notification-not-found", "Notification not found"),
}
