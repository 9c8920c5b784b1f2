"""The one map from auth-service's domain errors to HTTP problems."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from domain.errors import (
    AccountNotFound,
    AdminRoleRequired,
    EmailAlreadyRegistered,
    InvalidCredentials,
    InvalidRefreshToken,
    LastAdmin,
    PasswordPolicyViolation,
    RefreshTokenReused,
    TooManyLoginAttempts,
)
from shared.errors import Problem, ProblemSpec, problem_response, problem_responses

ERROR_MAP: dict[type[Exception], ProblemSpec] = {
    EmailAlreadyRegistered: ProblemSpec(409, "email-already-registered", "Email already registered"),
    PasswordPolicyViolation: ProblemSpec(422, "weak-password", "Password rejected"),
    InvalidCredentials: ProblemSpec(401, "invalid-credentials", "Invalid credentials"),
    AdminRoleRequired: ProblemSpec(403, "admin-role-required", "Admin role required"),
    InvalidRefreshToken: ProblemSpec(401, "invalid-refresh-token", "Invalid refresh token"),
    RefreshTokenReused: ProblemSpec(401, "refresh-token-reused", "Refresh token reused"),
    AccountNotFound: ProblemSpec(404, "not-found", "Account not found"),
    LastAdmin: ProblemSpec(409, "last-admin", "Last active admin"),
}


async def _too_many_attempts(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TooManyLoginAttempts)
    return problem_response(
        429,
        "too-many-login-attempts",
        str(exc),
        title="Too many sign-in attempts",
        headers={"Retry-After": str(exc.retry_after_seconds)},
    )


def install_auth_error_handlers(app: FastAPI) -> None:
    """The one problem that carries a header (Retry-After) needs a handler of its own."""
    app.add_exception_handler(TooManyLoginAttempts, _too_many_attempts)


def throttled_response() -> dict[int | str, dict[str, Any]]:
    return {
        429: {
            "model": Problem,
            "description": "Too many failed sign-ins for this email or address",
            "headers": {
                "Retry-After": {
                    "description": "Seconds until the next attempt",
                    "schema": {"type": "integer"},
                }
            },
        }
    }


__all__ = ["ERROR_MAP", "install_auth_error_handlers", "problem_responses", "throttled_response"]
