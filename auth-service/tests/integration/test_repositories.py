"""The repositories and the unit of work on a real PostgreSQL: constraints, locking queries,
filters, and that nothing is stored without a commit."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from adapters.unit_of_work import AuthUnitOfWork
from domain.errors import EmailAlreadyRegistered
from domain.models import Account, RefreshToken, Role
from shared.outbox import OutboxEvent
from tests.app_factory import unique_email

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def account(email: str | None = None, role: Role = Role.USER) -> Account:
    return Account.register(email or unique_email(), "argon2-hash", role, NOW)


async def events_about(pool: asyncpg.Pool, stored: Account) -> list[dict[str, object]]:
    """The committed outbox payloads that name the account."""
    rows = await pool.fetch("SELECT payload FROM outbox WHERE payload ->> 'account_id' = $1", str(stored.id))
    return [json.loads(row["payload"]) for row in rows]


async def test_an_account_round_trips(pool: asyncpg.Pool) -> None:
    original = account(role=Role.ADMIN)
    async with AuthUnitOfWork(pool) as uow:
        await uow.accounts.add(original)
        await uow.commit()

    async with AuthUnitOfWork(pool) as uow:
        by_id = await uow.accounts.get(original.id)
        by_email = await uow.accounts.get_by_email(original.email)

    assert by_id == original
    assert by_email == original


async def test_a_duplicate_email_is_refused_and_the_transaction_stays_usable(
    pool: asyncpg.Pool,
) -> None:
    first = account()
    async with AuthUnitOfWork(pool) as uow:
        await uow.accounts.add(first)
        await uow.commit()

    other = account()
    async with AuthUnitOfWork(pool) as uow:
        with pytest.raises(EmailAlreadyRegistered):
            await uow.accounts.add(account(first.email))
        await uow.accounts.add(other)
        await uow.commit()

    async with AuthUnitOfWork(pool) as uow:
        assert await uow.accounts.get(other.id) is not None


@pytest.mark.parametrize(
    ("column", "value"),
    [("role", "superuser"), ("email", "Mixed@Example.com"), ("token_version", -1)],
)
async def test_the_database_refuses_what_the_domain_never_writes(
    pool: asyncpg.Pool, column: str, value: object
) -> None:
    row = {
        "id": uuid.uuid4(),
        "email": unique_email(),
        "password_hash": "h",
        "role": "user",
        "token_version": 0,
    }
    row[column] = value
    async with pool.acquire() as connection:
        with pytest.raises(asyncpg.IntegrityConstraintViolationError):
            await connection.execute(
                "INSERT INTO accounts (id, email, password_hash, role, token_version) "
                "VALUES ($1, $2, $3, $4, $5)",
                *row.values(),
            )


async def test_nothing_is_stored_without_commit(pool: asyncpg.Pool) -> None:
    forgotten = account()
    async with AuthUnitOfWork(pool) as uow:
        await uow.accounts.add(forgotten)
        await uow.events.add("account.registered", forgotten.registered_event())

    async with AuthUnitOfWork(pool) as uow:
        assert await uow.accounts.get(forgotten.id) is None
    assert await events_about(pool, forgotten) == []


async def test_save_persists_role_activity_and_version(pool: asyncpg.Pool) -> None:
    changed = account()
    async with AuthUnitOfWork(pool) as uow:
        await uow.accounts.add(changed)
        await uow.commit()

    later = NOW + timedelta(minutes=5)
    changed.change_role(Role.ADMIN, later)
    changed.deactivate(later)
    async with AuthUnitOfWork(pool) as uow:
        await uow.accounts.save(changed)
        await uow.commit()

    async with AuthUnitOfWork(pool) as uow:
        assert await uow.accounts.get(changed.id) == changed


async def test_lock_active_admins_lists_only_active_admins(
    pool: asyncpg.Pool,
) -> None:
    active, inactive, user = account(role=Role.ADMIN), account(role=Role.ADMIN), account()
    inactive.is_active = False
    async with AuthUnitOfWork(pool) as uow:
        for each in (active, inactive, user):
            await uow.accounts.add(each)
        await uow.commit()

    async with AuthUnitOfWork(pool) as uow:
        admins = await uow.accounts.lock_active_admins()

    assert active.id in admins
    assert inactive.id not in admins
    assert user.id not in admins
    assert admins == sorted(admins)


async def test_search_filters_pages_and_escapes_wildcards(pool: asyncpg.Pool) -> None:
    tag = uuid.uuid4().hex[:8]
    made = [account(f"{name}_{tag}@example.com") for name in ("ani", "anita", "bayu")]
    made.append(account(f"ops_{tag}@example.com", role=Role.ADMIN))
    async with AuthUnitOfWork(pool) as uow:
        for each in made:
            await uow.accounts.add(each)
        await uow.commit()

    async with AuthUnitOfWork(pool) as uow:
        anis = await uow.accounts.search(role=None, email_contains="ANI", limit=10, offset=0)
        tagged_users = await uow.accounts.search(role=Role.USER, email_contains=tag, limit=10, offset=0)
        underscore = await uow.accounts.search(role=None, email_contains=f"i_{tag}", limit=10, offset=0)
        wildcard = await uow.accounts.search(role=None, email_contains=f"%{tag}", limit=10, offset=0)
        second_page = await uow.accounts.search(role=None, email_contains=tag, limit=2, offset=2)

    assert {a.email for a in anis.items} >= {f"ani_{tag}@example.com", f"anita_{tag}@example.com"}
    assert tagged_users.total == 3
    assert [a.email for a in underscore.items] == [f"ani_{tag}@example.com"]
    assert wildcard.total == 0
    assert second_page.total == 4
    assert len(second_page.items) == 2


async def test_refresh_token_rotation_and_revocation_queries(
    pool: asyncpg.Pool,
) -> None:
    owner = account()
    family = uuid.uuid4()
    first, _ = RefreshToken.issue(owner.id, family, NOW, timedelta(days=30))
    second, _ = RefreshToken.issue(owner.id, family, NOW, timedelta(days=30))
    other_family, _ = RefreshToken.issue(owner.id, uuid.uuid4(), NOW, timedelta(days=30))
    async with AuthUnitOfWork(pool) as uow:
        await uow.accounts.add(owner)
        for token in (first, second, other_family):
            await uow.refresh_tokens.add(token)
        await uow.commit()

    later = NOW + timedelta(hours=1)
    async with AuthUnitOfWork(pool) as uow:
        await uow.refresh_tokens.mark_used(first.id, later)
        await uow.refresh_tokens.revoke_family(family, later)
        await uow.commit()

    async with AuthUnitOfWork(pool) as uow:
        spent = await uow.refresh_tokens.get_by_hash(first.token_hash)
        sibling = await uow.refresh_tokens.get_by_hash(second.token_hash)
        untouched = await uow.refresh_tokens.get_by_hash(other_family.token_hash)
        await uow.refresh_tokens.revoke_all_for_account(owner.id, later)
        await uow.commit()

    assert spent is not None
    assert spent.used_at == later
    assert spent.revoked_at == later
    assert sibling is not None
    assert sibling.revoked_at == later
    assert untouched is not None
    assert untouched.revoked_at is None
    async with AuthUnitOfWork(pool) as uow:
        assert (await uow.refresh_tokens.get_by_hash(other_family.token_hash)).revoked_at == later  # type: ignore[union-attr]
        assert await uow.refresh_tokens.get_by_hash("0" * 64) is None


class Handed:
    """A running relay, as far as the unit of work sees one: it takes what was committed."""

    dispatches = True

    def __init__(self) -> None:
        self.events: list[OutboxEvent] = []

    def dispatch(self, events: Sequence[OutboxEvent]) -> None:
        self.events.extend(events)


async def test_committed_events_are_handed_to_the_relay(pool: asyncpg.Pool) -> None:
    relay = Handed()
    registered = account()
    async with AuthUnitOfWork(pool, relay) as uow:
        await uow.accounts.add(registered)
        await uow.commit()
    assert relay.events == []  # no event, nothing handed over

    async with AuthUnitOfWork(pool, relay) as uow:
        await uow.events.add("account.registered", registered.registered_event())
        await uow.commit()
    assert [(e.topic, e.payload) for e in relay.events] == [
        ("account.registered", registered.registered_event())
    ]
    # Stored as a JSON object (the relay sends it as is), in the committed transaction.
    assert await events_about(pool, registered) == [registered.registered_event()]
