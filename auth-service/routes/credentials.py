"""Sign-in credentials from either body the login endpoint accepts: JSON for apps, the OAuth2
password form for Swagger's Authorize button (and any OAuth2 client)."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from routes.schemas import LoginRequest, PasswordGrantForm
from shared.errors import ProblemError

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

M = TypeVar("M", bound=BaseModel)


def _validate(model: type[M], data: Any, *, json: bool) -> M:
    try:
        return model.model_validate_json(data) if json else model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**err, "loc": ("body", *err.get("loc", ()))} for err in exc.errors()]
        ) from exc


async def read_credentials(request: Request) -> tuple[str, str]:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type in FORM_TYPES:
        form = await request.form()
        grant = _validate(PasswordGrantForm, dict(form), json=False)
        return grant.username, grant.password
    if media_type in ("", "application/json") or media_type.endswith("+json"):
        body = _validate(LoginRequest, await request.body(), json=True)
        return body.email, body.password
    raise ProblemError(
        415, "unsupported-media-type", "Send application/json or application/x-www-form-urlencoded."
    )


def login_request_body() -> dict[str, Any]:
    """The request body as /docs shows it: both media types."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": LoginRequest.model_json_schema()},
                "application/x-www-form-urlencoded": {"schema": PasswordGrantForm.model_json_schema()},
            },
        }
    }
