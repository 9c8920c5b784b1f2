"""Duffel's error shape {"meta": {status, request_id}, "errors": [{type, title, message, code}]},
and the checks every Duffel call passes: knobs, bearer token, Duffel-Version: v2."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Request
from state import SandboxState

from shared.logging import request_id_var

SUPPLIER = "duffel"
DOCS = "https://duffel.com/docs/api/overview/response-handling"


class DuffelError(Exception):
    def __init__(
        self, status: int, type_: str, code: str, title: str, message: str, field: str | None = None
    ):
        super().__init__(message)
        self.status = status
        self.error: dict[str, Any] = {
            "type": type_,
            "title": title,
            "message": message,
            "code": code,
            "documentation_url": f"{DOCS}#{type_.replace('_', '-')}",
        }
        if field:
            self.error["source"] = {"field": field, "pointer": "/" + field.replace(".", "/")}

    def body(self) -> dict[str, Any]:
        return {"meta": {"status": self.status, "request_id": request_id_var.get()}, "errors": [self.error]}


class DuffelMalformed(Exception):
    pass


def validation(field: str, message: str, code: str = "invalid") -> DuffelError:
    return DuffelError(422, "validation_error", code, "Invalid value", message, field)


def required(field: str) -> DuffelError:
    return DuffelError(
        422, "validation_error", "validation_required", "Field is required", f"{field} is required", field
    )


def not_found(what: str) -> DuffelError:
    return DuffelError(404, "invalid_request_error", "not_found", "Not found", f"The {what} was not found")


def offer_gone() -> DuffelError:
    return DuffelError(
        422,
        "invalid_request_error",
        "offer_no_longer_available",
        "Offer no longer available",
        "The requested offer is no longer available, please select another offer",
    )


def sandbox(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


async def disturbed(request: Request) -> None:
    outcome = await sandbox(request).knobs.disturb(SUPPLIER)
    if outcome == "error":
        raise DuffelError(
            500, "api_error", "internal_server_error", "Internal server error",
            "Something went wrong. Please contact our support team and attach the request_id to your message",
        )  # fmt: skip
    if outcome == "malformed":
        raise DuffelMalformed()


async def authorized(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    duffel_version: Annotated[str | None, Header()] = None,
) -> None:
    if not authorization or not authorization.startswith("Bearer "):
        raise DuffelError(
            401, "authentication_error", "missing_authorization_header", "Missing authorization header",
            "The 'Authorization' header needs to be set and contain a valid API token.",
        )  # fmt: skip
    if authorization.removeprefix("Bearer ").strip() != sandbox(request).settings.sandbox.duffel_access_token:
        raise DuffelError(
            401, "authentication_error", "access_token_not_found", "Access token not found",
            "The access token used is not recognised by our system.",
        )  # fmt: skip
    if duffel_version != "v2":
        raise DuffelError(
            400, "invalid_request_error", "unsupported_version", "Unsupported version",
            "The 'Duffel-Version' header must be set to a supported version ('v2').",
        )  # fmt: skip
