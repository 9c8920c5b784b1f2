"""Signing in, refreshing and signing out.

Access tokens are short-lived JWTs carrying the account's token version; refresh tokens are
opaque, stored hashed, and rotate on every use. A refresh token that comes back after it was
spent means two parties hold it, so its whole family is revoked (OAuth 2.0 Security BCP §4.14).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from domain.errors import InvalidCredentials, InvalidRefreshToken, RefreshTokenReused, TooManyLoginAttempts
from domain.models import Account, Actor, RefreshToken, TokenPair, hash_refresh_token, normalize_email
from domain.repository import (
    AccessTokenIssuer,
    Clock,
    LoginThrottle,
    PasswordHasher,
    UnitOfWork,
    UnitOfWorkFactory,
)

# Verified against when the email is unknown, so that answering "no such account" takes as long
# as answering "wrong password".
_DUMMY_PASSWORD = "tiketq-dummy-password-for-timing"  # noqa: S105 (not a credential)


class Sessions:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        issuer: AccessTokenIssuer,
        throttle: LoginThrottle,
        clock: Clock,
        refresh_ttl: timedelta,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._issuer = issuer
        self._throttle = throttle
        self._clock = clock
        self._refresh_ttl = refresh_ttl
        self._dummy_hash: str | None = None

    async def login(self, email: str, password: str, client_ip: str | None) -> TokenPair:
        email = normalize_email(email)
        retry_after = await self._throttle.begin(email, client_ip)
        if retry_after is not None:
            raise TooManyLoginAttempts(retry_after)
        try:
            account = await self._check_password(email, password)
        except Exception:
            # The database failing is not a wrong password: the attempt is not held against anyone.
            await self._throttle.release(email, client_ip)
            raise
        if account is None:
            raise InvalidCredentials  # the attempt stays counted as a failure
        await self._throttle.succeeded(email, client_ip)
        async with self._uow() as uow:
            pair = await self._issue_pair(uow, account, family_id=uuid.uuid4())
            await uow.commit()
        return pair

    async def _check_password(self, email: str, password: str) -> Account | None:
        """The account when the password is right and the account active, else None."""
        async with self._uow() as uow:
            account = await uow.accounts.get_by_email(email)
        if account is None:
            await self._hasher.verify(password, await self._timing_hash())
            return None
        valid = await self._hasher.verify(password, account.password_hash)
        return account if valid and account.is_active else None

    async def refresh(self, raw_token: str) -> TokenPair:
        now = self._clock.now()
        async with self._uow() as uow:
            token = await uow.refresh_tokens.get_by_hash(hash_refresh_token(raw_token))
            if token is None or token.is_revoked:
                raise InvalidRefreshToken
            if token.is_spent:
                # Even an expired spent token is evidence that a copy is out there.
                await uow.refresh_tokens.revoke_family(token.family_id, now)
                await uow.commit()
                raise RefreshTokenReused
            if token.is_expired(now):
                raise InvalidRefreshToken
            account = await uow.accounts.get(token.account_id)
            if account is None or not account.is_active:
                await uow.refresh_tokens.revoke_family(token.family_id, now)
                await uow.commit()
                raise InvalidRefreshToken
            await uow.refresh_tokens.mark_used(token.id, now)
            pair = await self._issue_pair(uow, account, family_id=token.family_id)
            await uow.commit()
        return pair

    async def logout(self, actor: Actor) -> None:
        """Ends every session of the account: its access tokens and its refresh tokens."""
        now = self._clock.now()
        async with self._uow() as uow:
            account = await uow.accounts.get(actor.account_id, for_update=True)
            if account is None:
                return
            account.revoke_access_tokens(now)
            await uow.accounts.save(account)
            await uow.refresh_tokens.revoke_all_for_account(account.id, now)
            await uow.commit()

    async def _issue_pair(self, uow: UnitOfWork, account: Account, family_id: uuid.UUID) -> TokenPair:
        now = self._clock.now()
        refresh, raw = RefreshToken.issue(account.id, family_id, now, self._refresh_ttl)
        await uow.refresh_tokens.add(refresh)
        access = self._issuer.issue(account, now)
        return TokenPair(access_token=access.token, refresh_token=raw, expires_in=access.expires_in)

    async def prepare(self) -> None:
        """Computes the dummy hash up front, so that even the first unknown email costs exactly one
        verification (computing it lazily would make that first answer slower)."""
        await self._timing_hash()

    async def _timing_hash(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self._hasher.hash(_DUMMY_PASSWORD)
        return self._dummy_hash
