"""The use cases the routes call, as FastAPI dependencies (app.py puts them on app.state)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from domain.catalogue import Catalogue
from domain.ports import CallbackReader
from domain.purchases import Purchases


async def _catalogue(request: Request) -> Catalogue:
    catalogue: Catalogue = request.app.state.catalogue
    return catalogue


async def _purchases(request: Request) -> Purchases:
    purchases: Purchases = request.app.state.purchases
    return purchases


async def _callbacks(request: Request) -> CallbackReader:
    reader: CallbackReader = request.app.state.callback_reader
    return reader


CatalogueDep = Annotated[Catalogue, Depends(_catalogue)]
PurchasesDep = Annotated[Purchases, Depends(_purchases)]
Callbacks = Annotated[CallbackReader, Depends(_callbacks)]
