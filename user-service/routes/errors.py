"""The one place domain errors become HTTP problems."""

from __future__ import annotations

from domain.errors import (
    AccountCannotBeDeactivated,
    AccountInactive,
    AccountNotFound,
    AdminOnly,
    CannotDeleteOwnAccount,
    InvalidEvent,
    InvalidProfileData,
    ProfileAlreadyExists,
    ProfileNotFound,
)
from shared.errors import ProblemSpec

ERROR_MAP: dict[type[Exception], ProblemSpec] = {
    ProfileNotFound: ProblemSpec(404, "profile-not-found", "Profile not found"),
    AccountNotFound: ProblemSpec(404, "account-not-found", "Account not found"),
    AccountInactive: ProblemSpec(409, "account-inactive", "Account is deactivated"),
    ProfileAlreadyExists: ProblemSpec(409, "profile-exists", "Profile already exists"),
    AccountCannotBeDeactivated: ProblemSpec(
        409, "account-cannot-be-deactivated", "Account cannot be deactivated"
    ),
    CannotDeleteOwnAccount: ProblemSpec(409, "cannot-delete-own-account", "Cannot delete own account"),
    AdminOnly: ProblemSpec(403, "forbidden", "Forbidden"),
    InvalidProfileData: ProblemSpec(422, "validation-error", "Invalid profile"),
    InvalidEvent: ProblemSpec(422, "invalid-event", "Invalid event"),
}
