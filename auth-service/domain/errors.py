"""Business-named failures. Their messages are written for the caller: routes/errors.py turns
each into a problem+json answer, using the message as `detail`."""

from __future__ import annotations


class AuthError(Exception):
    """Base of every auth-service domain error."""


class EmailAlreadyRegistered(AuthError):
    def __init__(self) -> None:
        super().__init__("An account with this email already exists.")


class PasswordPolicyViolation(AuthError):
    pass


class InvalidCredentials(AuthError):
    # One message whether the email exists, the password is wrong or the account is inactive,
    # so the answer never tells an attacker which emails have accounts.
    def __init__(self) -> None:
        super().__init__("Incorrect email or password.")


class TooManyLoginAttempts(AuthError):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("Too many failed sign-in attempts; try again later.")
        self.retry_after_seconds = retry_after_seconds


class AdminRoleRequired(AuthError):
    def __init__(self, action: str = "do this") -> None:
        super().__init__(f"Only an admin may {action}.")


class InvalidRefreshToken(AuthError):
    def __init__(self, message: str = "The refresh token is invalid, expired or revoked.") -> None:
        super().__init__(message)


class RefreshTokenReused(InvalidRefreshToken):
    """A spent refresh token came back: someone holds a copy, so its whole family is revoked."""

    def __init__(self) -> None:
        super().__init__("The refresh token was already used; every session it began is revoked.")


class AccountNotFound(AuthError):
    def __init__(self) -> None:
        super().__init__("No account with this id.")


class LastAdmin(AuthError):
    def __init__(self) -> None:
        super().__init__("This is the last active admin; promote another admin first.")
