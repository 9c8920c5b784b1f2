"""The use cases the routes call, as FastAPI dependencies (app.py puts them on app.state)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from domain.reads import NotificationReads
from domain.receive_event import ReceiveEvent


async def _receiver(request: Request) -> ReceiveEvent:
    receiver: ReceiveEvent = request.app.state.receive_event
    return receiver


async def _reads(request: Request) -> NotificationReads:
    reads: NotificationReads = request.app.state.reads
    return reads


Receiver = Annotated[ReceiveEvent, Depends(_receiver)]
Reads = Annotated[NotificationReads, Depends(_reads)]
