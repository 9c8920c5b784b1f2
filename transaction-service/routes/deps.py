"""Annotated dependencies the handlers share: who is calling, the use cases, the Idempotency-Key.
Everything here comes from `app.state`, where app.py (the one composition root) put it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from domain.ledger import Caller
from domain.money_path import MoneyPath
from domain.reports import ReportSource
from routes.order_wait import StatusWait
from shared.idempotency import IdempotencyStore
from shared.security import AdminPrincipal, CurrentPrincipal


async def caller(principal: CurrentPrincipal) -> Caller:
    return Caller(principal.account_id, principal.is_admin)


async def admin_caller(principal: AdminPrincipal) -> Caller:
    return Caller(principal.account_id, True)


async def money_path(request: Request) -> MoneyPath:
    value: MoneyPath = request.app.state.money_path
    return value


async def status_wait(request: Request) -> StatusWait:
    value: StatusWait = request.app.state.status_wait
    return value


async def idempotency_store(request: Request) -> IdempotencyStore:
    value: IdempotencyStore = request.app.state.idempotency
    return value


async def report_source(request: Request) -> ReportSource:
    value: ReportSource = request.app.state.report_source
    return value


async def idempotency_key(
    key: Annotated[
        str,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            description="Required: the same key and body replay the first answer.",
        ),
    ],
) -> str:
    return key


AnyCaller = Annotated[Caller, Depends(caller)]
AdminCaller = Annotated[Caller, Depends(admin_caller)]
Money = Annotated[MoneyPath, Depends(money_path)]
Idempotency = Annotated[IdempotencyStore, Depends(idempotency_store)]
IdempotencyKey = Annotated[str, Depends(idempotency_key)]
Reports = Annotated[ReportSource, Depends(report_source)]
Waiting = Annotated[StatusWait, Depends(status_wait)]
