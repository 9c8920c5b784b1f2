"""The internal credential that guards `/internal/...` routes (service-to-service only)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, Request

from shared.errors import ProblemError

INTERNAL_TOKEN_HEADER = "X-Internal-Token"  # noqa: S105 (a header name)


def internal_headers(token: str) -> dict[str, str]:
    return {INTERNAL_TOKEN_HEADER: token}


async def require_internal(
    request: Request,
    x_internal_token: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> None:
    expected: str = request.app.state.internal_token
    # Constant-time comparison so the token cannot be guessed byte by byte.
    if not x_internal_token or not hmac.compare_digest(x_internal_token.encode(), expected.encode()):
        # 404 rather than 401: outsiders should not learn that the route exists.
        raise ProblemError(404, "not-found", "Not Found")


InternalCaller = Annotated[None, Depends(require_internal)]
