"""Business-named errors of user-service; `routes/errors.py` maps each to HTTP once."""

from __future__ import annotations


class ProfileNotFound(Exception):
    """No profile the caller may see under that id (missing and not-yours look the same)."""

    def __init__(self, detail: str = "profile not found") -> None:
        super().__init__(detail)


class ProfileAlreadyExists(Exception):
    def __init__(self, detail: str = "this account already has a profile") -> None:
        super().__init__(detail)


class AccountInactive(Exception):
    """The account is deactivated (deleted profiles deactivate it): no new profile for it."""

    def __init__(self, detail: str = "the account is deactivated; reactivate it first") -> None:
        super().__init__(detail)


class AccountNotFound(Exception):
    """auth-service knows no account with that id."""

    def __init__(self, detail: str = "account not found") -> None:
        super().__init__(detail)


class AccountCannotBeDeactivated(Exception):
    """auth-service refused to deactivate the account (it is the last active admin)."""

    def __init__(self, detail: str = "auth-service refused to deactivate this account") -> None:
        super().__init__(detail)


class AdminOnly(Exception):
    def __init__(self, detail: str = "This action requires the admin role.") -> None:
        super().__init__(detail)


class CannotDeleteOwnAccount(Exception):
    """An admin deleting themselves could leave the platform without an admin."""

    def __init__(self, detail: str = "admins cannot delete their own account") -> None:
        super().__init__(detail)


class InvalidProfileData(ValueError):
    """A profile field breaks a business rule. A ValueError, so pydantic validators that call
    the rules in `domain.profile_fields` turn it into an ordinary 422 validation error."""


class InvalidEvent(Exception):
    """A correctly signed event whose payload is not what its topic promises."""
