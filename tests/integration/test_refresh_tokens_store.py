"""The refresh-token repository: one suite for the PostgreSQL adapter and the fake the unit and
HTTP tests use, so that the fake cannot drift from what the database does."""

import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from tortoise.exceptions import IntegrityError

from api.application.ports import RefreshToken, RefreshTokenRepository, Session, UserRepository
from api.domain.audit import RequestContext
from api.domain.errors import Conflict
from api.domain.users import Role
from api.infrastructure.db.refresh_tokens import PgRefreshTokens
from api.infrastructure.db.users import PgUsers
from api.presentation.context import Services
from tests.support.fakes import FakeRefreshTokens, FakeUsers

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NOW = datetime(2031, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)
IDLE, ABSOLUTE = timedelta(days=14), timedelta(days=30)
LAPTOP = RequestContext("req-1", "192.0.2.10", "Firefox")
PHONE = RequestContext("req-2", "2001:db8::1", "Safari " + "x" * 600)


@dataclass
class Store:
    users: UserRepository
    tokens: RefreshTokenRepository

    async def user(self) -> uuid.UUID:
        email = f"{uuid.uuid4().hex}@example.com"
        return (await self.users.add(email, "Ana", Role.BUYER, "x", NOW)).id

    async def issue(
        self,
        user_id: uuid.UUID,
        family_id: uuid.UUID,
        at: datetime = NOW,
        ctx: RequestContext = LAPTOP,
        organisation_id: uuid.UUID | None = None,
    ) -> tuple[str, RefreshToken]:
        """A token as login or a refresh issues it: idle expiry within the session's end."""
        token_hash = secrets.token_hex(32)
        ends = NOW + ABSOLUTE
        made = await self.tokens.add(
            user_id, family_id, token_hash, min(at + IDLE, ends), ends, at, ctx, organisation_id
        )
        return token_hash, made


@pytest.fixture(params=["memory", "postgres"])
def store(request: pytest.FixtureRequest, services: Services) -> Store:
    if request.param == "memory":
        return Store(FakeUsers(), FakeRefreshTokens())
    return Store(PgUsers(), PgRefreshTokens())


async def test_a_token_reads_back_by_its_hash_and_a_hash_is_never_issued_twice(
    store: Store,
) -> None:
    user, family, org = await store.user(), uuid.uuid4(), uuid.uuid4()
    token_hash, made = await store.issue(user, family, organisation_id=org)

    assert made == RefreshToken(
        made.id, user, family, NOW + IDLE, NOW + ABSOLUTE, None, None, None, org
    )
    assert await store.tokens.by_hash(token_hash) == made
    assert await store.tokens.by_hash_for_update(token_hash) == made
    assert await store.tokens.by_hash(secrets.token_hex(32)) is None
    # Hashes of 32 random bytes: a repeat is a bug, not a client's conflict.
    with pytest.raises(IntegrityError) as refused:
        await store.tokens.add(user, family, token_hash, NOW, NOW, NOW, LAPTOP)
    assert not isinstance(refused.value, Conflict)


async def test_a_used_token_keeps_its_successor_and_a_family_is_revoked_once(
    store: Store,
) -> None:
    user, family = await store.user(), uuid.uuid4()
    first_hash, first = await store.issue(user, family)
    second_hash, second = await store.issue(user, family, NOW + timedelta(minutes=5))
    used, revoked, again = (NOW + timedelta(minutes=n) for n in (5, 10, 20))

    await store.tokens.mark_used(first.id, used, "sealed-pair")
    await store.tokens.revoke_family(family, revoked)
    await store.tokens.revoke_family(family, again)

    assert await store.tokens.by_hash(first_hash) == replace(
        first, used_at=used, successor="sealed-pair", revoked_at=revoked
    )
    assert await store.tokens.by_hash(second_hash) == replace(second, revoked_at=revoked)


async def test_a_switch_moves_only_the_live_tokens_of_the_session(store: Store) -> None:
    user, family, other_family = await store.user(), uuid.uuid4(), uuid.uuid4()
    used_hash, used = await store.issue(user, family)
    await store.tokens.mark_used(used.id, NOW, "sealed")
    live_hash, live = await store.issue(user, family)
    ended_hash, ended = await store.issue(user, other_family)
    await store.tokens.revoke_family(other_family, NOW)
    org = uuid.uuid4()

    await store.tokens.set_organisation(family, org)
    await store.tokens.set_organisation(other_family, org)

    assert (await store.tokens.by_hash(live_hash)) == replace(live, organisation_id=org)
    assert (await store.tokens.by_hash(used_hash)) == replace(used, used_at=NOW, successor="sealed")
    assert (await store.tokens.by_hash(ended_hash)) == replace(ended, revoked_at=NOW)


async def test_revoking_all_ends_every_live_family_of_the_user_but_the_one_kept(
    store: Store,
) -> None:
    user, stranger = await store.user(), await store.user()
    kept, ended, gone, theirs = (uuid.uuid4() for _ in range(4))
    for family in (kept, ended, ended, gone):
        await store.issue(user, family)
    await store.tokens.revoke_family(gone, NOW)
    their_hash, their_token = await store.issue(stranger, theirs)
    at = NOW + timedelta(hours=1)

    assert await store.tokens.revoke_all(user, at, keep=kept) == [ended]
    assert [s.id for s in await store.tokens.sessions(user, NOW)] == [kept]
    assert sorted(await store.tokens.revoke_all(user, at)) == [kept]
    assert await store.tokens.revoke_all(user, at) == []
    assert await store.tokens.by_hash(their_hash) == their_token


async def test_sessions_are_the_live_families_most_recently_used_first(store: Store) -> None:
    user = await store.user()
    laptop, phone, ended, expired = (uuid.uuid4() for _ in range(4))
    # The laptop's session began first but was refreshed last, from another address.
    await store.issue(user, laptop, NOW)
    await store.issue(user, phone, NOW + timedelta(minutes=1), PHONE)
    await store.issue(user, laptop, NOW + timedelta(minutes=2), replace(LAPTOP, ip="192.0.2.11"))
    await store.issue(user, ended, NOW)
    await store.tokens.revoke_family(ended, NOW)
    # Its latest token's idle expiry has passed by `now`, though the session has not ended.
    await store.issue(user, expired, NOW - timedelta(days=20))
    now = NOW + timedelta(hours=1)

    sessions = await store.tokens.sessions(user, now)

    assert sessions == [
        Session(laptop, NOW, NOW + timedelta(minutes=2), NOW + timedelta(minutes=2) + IDLE,
                "Firefox", "192.0.2.11"),
        Session(phone, NOW + timedelta(minutes=1), NOW + timedelta(minutes=1),
                NOW + timedelta(minutes=1) + IDLE, "Safari " + "x" * 505, "2001:db8::1"),
    ]  # fmt: skip
    # Past the sessions' absolute end nothing is live.
    assert await store.tokens.sessions(user, NOW + ABSOLUTE) == []
    assert await store.tokens.sessions(uuid.uuid4(), now) == []
