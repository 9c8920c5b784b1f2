"""Request and response bodies. Conversions from the domain are explicit and boring."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from domain.models import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, Account, Role, TokenPair
from shared.tokens import MAX_ACCOUNTS_PER_READ


class RegisterRequest(BaseModel):
    email: EmailStr = Field(examples=["budi@example.com"])
    password: str = Field(
        min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH, examples=["correct horse battery"]
    )
    role: Role | None = Field(
        default=None, description="`admin` only with an admin's bearer token; `user` when omitted."
    )


class LoginRequest(BaseModel):
    email: str = Field(min_length=1, max_length=320, examples=["budi@example.com"])
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class PasswordGrantForm(BaseModel):
    """The OAuth2 password grant as Swagger's Authorize button sends it (the username is the email)."""

    model_config = ConfigDict(extra="ignore")

    grant_type: Literal["password"] | None = None
    username: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)
    scope: str = ""


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=512)


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth2 token type)
    expires_in: int = Field(description="Seconds until the access token expires.")

    @classmethod
    def from_pair(cls, pair: TokenPair) -> TokenResponse:
        return cls(
            access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
        )


class AccountOut(BaseModel):
    id: uuid.UUID
    email: str
    role: Role
    is_active: bool
    created_at: datetime

    @classmethod
    def from_domain(cls, account: Account) -> AccountOut:
        return cls(
            id=account.id,
            email=account.email,
            role=account.role,
            is_active=account.is_active,
            created_at=account.created_at,
        )


class InternalAccountOut(BaseModel):
    """What other services check access tokens against (shared.tokens.HttpAccountStateSource)."""

    id: uuid.UUID
    email: str
    role: Role
    is_active: bool
    token_version: int

    @classmethod
    def from_domain(cls, account: Account) -> InternalAccountOut:
        return cls(
            id=account.id,
            email=account.email,
            role=account.role,
            is_active=account.is_active,
            token_version=account.token_version,
        )


class AccountStatesRequest(BaseModel):
    """The accounts whose states a service reads again together (shared.tokens)."""

    model_config = ConfigDict(extra="forbid")

    ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_ACCOUNTS_PER_READ)


class AccountStateOut(BaseModel):
    """What a token is checked against, and nothing else (no email: not needed for the check)."""

    id: uuid.UUID
    role: Role
    is_active: bool
    token_version: int


class AccountStatesOut(BaseModel):
    """The states of the asked accounts that exist; an unknown id is left out."""

    accounts: list[AccountStateOut]

    @classmethod
    def from_domain(cls, accounts: list[Account]) -> AccountStatesOut:
        return cls(
            accounts=[
                AccountStateOut(
                    id=account.id,
                    role=account.role,
                    is_active=account.is_active,
                    token_version=account.token_version,
                )
                for account in accounts
            ]
        )


class RoleUpdate(BaseModel):
    role: Role


class Jwk(BaseModel):
    kty: str
    use: str
    alg: str
    kid: str
    n: str
    e: str


class Jwks(BaseModel):
    keys: list[Jwk]
