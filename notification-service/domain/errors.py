"""Business-named failures; routes/errors.py turns them into problems, adapters raise the
delivery ones so the delivery loop knows whether to try again."""

from __future__ import annotations


class DeliveryError(Exception):
    """The provider did not take the message. `permanent`: it never will (a refused address or
    number); otherwise it may later (down, busy, timed out) and the message is retried."""

    def __init__(self, answer: str, *, permanent: bool = False) -> None:
        super().__init__(answer)
        self.answer = answer
        self.permanent = permanent


class NotificationNotFound(Exception):
    def __init__(self) -> None:
        super().__init__("No such notification.")
