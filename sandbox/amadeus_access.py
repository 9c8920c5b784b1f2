"""Amadeus access: the OAuth2 client-credentials token endpoint, the bearer check every other
call passes, and the knobs every call passes first."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import parse_qs

from amadeus_errors import AmadeusError, AmadeusMalformed, system_error
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from state import SandboxState

SUPPLIER = "amadeus"
TOKEN_TTL_SECONDS = 1799


def sandbox(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


async def disturbed(request: Request) -> None:
    """Every Amadeus call first passes the knobs: latency, timeouts, errors, garbage."""
    outcome = await sandbox(request).knobs.disturb(SUPPLIER)
    if outcome == "error":
        raise system_error()
    if outcome == "malformed":
        raise AmadeusMalformed()


async def bearer(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    state = sandbox(request)
    if not authorization or not authorization.startswith("Bearer "):
        raise AmadeusError(
            401, 38190, "Invalid HTTP header", "Missing or invalid format for mandatory Authorization header"
        )
    token = authorization.removeprefix("Bearer ").strip()
    expires = state.amadeus_tokens.get(token)
    if expires is None:
        raise AmadeusError(
            401,
            38191,
            "Invalid access token",
            "The access token provided in the Authorization header is invalid",
        )
    if state.clock() >= expires:
        raise AmadeusError(401, 38192, "Access token expired", "The access token is expired")


Authorized = Depends(bearer)
token_router = APIRouter()


@token_router.post("/v1/security/oauth2/token")
async def token(request: Request) -> JSONResponse:
    state = sandbox(request)
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    if form.get("grant_type") != "client_credentials":
        return JSONResponse(
            {
                "error": "unsupported_grant_type",
                "error_description": (
                    "Only client_credentials value is allowed for the body parameter grant_type"
                ),
                "code": 38187,
                "title": "Invalid parameters",
            },
            status_code=400,
        )
    s = state.settings.sandbox
    if form.get("client_id") != s.amadeus_client_id or form.get("client_secret") != s.amadeus_client_secret:
        return JSONResponse(
            {
                "error": "invalid_client",
                "error_description": "Client credentials are invalid",
                "code": 38187,
                "title": "Invalid parameters",
            },
            status_code=401,
        )
    access_token = state.holds.token(28)
    state.amadeus_tokens[access_token] = state.clock() + timedelta(seconds=TOKEN_TTL_SECONDS)
    return JSONResponse(
        {
            "type": "amadeusOAuth2Token",
            "username": "sandbox@tiketq.local",
            "application_name": "TiketQ sandbox",
            "client_id": s.amadeus_client_id,
            "token_type": "Bearer",
            "access_token": access_token,
            "expires_in": TOKEN_TTL_SECONDS,
            "state": "approved",
            "scope": "",
        }
    )
