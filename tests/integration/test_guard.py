"""The per-request checks (rate bucket, access-token deny-list and a person's kept role, one
Redis script call for many requests), the deny-list's writer and the role cache: one suite for
Redis and for the fakes the HTTP tests use, so that the fakes cannot drift from what the script
decides. (Allowance coming back with time is Redis's clock: the fake's never does, so the suite
asserts none.)"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio

from api.application.ports import Revocations, RoleCache
from api.domain.organisations import MemberRole
from api.infrastructure.cache.guard import RedisGuard, RedisRevocations
from api.infrastructure.cache.redis import connect
from api.infrastructure.cache.roles import RedisRoleCache, member_key
from api.infrastructure.faults import UNAVAILABLE_ERRORS
from api.presentation.context import Guard
from tests.support.backends import Backends
from tests.support.fakes import FakeGuard, FakeRevocations, FakeRoleCache
from tests.support.server import free_port

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@dataclass
class Checks:
    guard: Guard
    revocations: Revocations
    roles: RoleCache

    async def role(
        self, organisation_id: uuid.UUID, user_id: uuid.UUID, epoch: str | None = None
    ) -> MemberRole | None:
        """The role a person's next request would come with (its token of this epoch)."""
        epoch = epoch or await self.revocations.open_epoch()
        membership = (organisation_id, user_id)
        verdict = await self.guard.check(
            bucket(), 100, token(), str(uuid.uuid4()), int(time.time()), epoch, membership
        )
        return verdict.member_role

    async def revoked(self, token_id: str, session_id: str, issued_at: int, epoch: str) -> bool:
        verdict = await self.guard.check(bucket(), 100, token_id, session_id, issued_at, epoch)
        return verdict.revoked


@pytest_asyncio.fixture(params=["memory", "redis"], loop_scope="session")
async def checks(request: pytest.FixtureRequest, backends: Backends) -> AsyncIterator[Checks]:
    if request.param == "memory":
        revocations, roles = FakeRevocations(), FakeRoleCache()
        yield Checks(FakeGuard(revocations, roles), revocations, roles)
        return
    redis = connect(backends.redis_url)
    yield Checks(RedisGuard(redis), RedisRevocations(redis), RedisRoleCache(redis))
    await redis.aclose()


def bucket() -> str:
    return f"user:{uuid.uuid4()}"


def token() -> str:
    return uuid.uuid4().hex


async def test_requests_checked_together_each_spend_their_own_allowance(checks: Checks) -> None:
    mine = bucket()
    verdicts = await asyncio.gather(*(checks.guard.check(mine, 5) for _ in range(8)))
    assert [v.allowed for v in verdicts] == [True] * 5 + [False] * 3
    assert [v.remaining for v in verdicts] == [4, 3, 2, 1, 0, 0, 0, 0]
    assert {v.limit for v in verdicts} == {5}
    assert all(v.retry_after_seconds == 0 for v in verdicts[:5])
    # A fifth of a minute until the next request would fit.
    assert all(11 <= v.retry_after_seconds <= 12 for v in verdicts[5:])
    assert (await checks.guard.check(bucket(), 5)).allowed


async def test_a_revoked_token_checked_among_others_is_the_only_one_refused(
    checks: Checks,
) -> None:
    revoked, live = token(), token()
    await checks.revocations.revoke_token(revoked, 60)
    now, epoch = int(time.time()), await checks.revocations.open_epoch()
    verdicts = await asyncio.gather(
        checks.guard.check(bucket(), 100, live, str(uuid.uuid4()), now, epoch),
        checks.guard.check(bucket(), 100, revoked, str(uuid.uuid4()), now, epoch),
        checks.guard.check(f"ip:{uuid.uuid4()}", 100),
    )
    assert [v.revoked for v in verdicts] == [False, True, False]
    assert all(v.allowed for v in verdicts)


async def test_a_revoked_session_refuses_every_token_issued_in_it(checks: Checks) -> None:
    ended, other, kept = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    await checks.revocations.revoke_sessions([ended, other], 60)
    await checks.revocations.revoke_sessions([], 60)
    now, epoch = int(time.time()), await checks.revocations.open_epoch()

    assert await checks.revoked(token(), ended, now, epoch)
    assert await checks.revoked(token(), other, now, epoch)
    assert not await checks.revoked(token(), kept, now, epoch)


async def test_the_epoch_stays_and_a_token_of_another_is_refused(checks: Checks) -> None:
    epoch = await checks.revocations.open_epoch()
    now = int(time.time())

    assert await checks.revocations.open_epoch() == epoch
    assert float(epoch) <= time.time()
    assert not await checks.revoked(token(), str(uuid.uuid4()), now, epoch)
    assert await checks.revoked(token(), str(uuid.uuid4()), now, "1765000000.000123")
    # A token naming no epoch (issued before tokens did) is judged by when it was issued.
    assert not await checks.revoked(token(), str(uuid.uuid4()), now, "")
    assert await checks.revoked(token(), str(uuid.uuid4()), int(float(epoch)) - 3, "")


async def test_a_kept_role_comes_with_its_own_memberships_check(checks: Checks) -> None:
    org, ana, bo = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    epoch = await checks.revocations.open_epoch()
    assert await checks.role(org, ana) is None

    await checks.roles.keep(org, ana, MemberRole.MANAGER, epoch)
    # What is kept stays until it expires or a change clears it: a later read does not replace it.
    await checks.roles.keep(org, ana, MemberRole.VIEWER, epoch)

    assert await checks.role(org, ana) == MemberRole.MANAGER
    assert await checks.role(org, bo) is None
    assert await checks.role(uuid.uuid4(), ana) is None
    # A check without a token (a machine client's, or an anonymous one) reads no role.
    anonymous = await checks.guard.check(bucket(), 100, membership=(org, ana))
    assert anonymous.member_role is None


async def test_a_role_kept_in_another_deny_list_epoch_is_not_served(checks: Checks) -> None:
    org, ana = uuid.uuid4(), uuid.uuid4()
    # Kept before a restore of the database began a new epoch (its tokens are refused anyway).
    await checks.roles.keep(org, ana, MemberRole.OWNER, "1765000000.000123")

    assert await checks.role(org, ana) is None
    assert await checks.role(org, ana, "1765000000.000123") == MemberRole.OWNER


async def test_a_change_clears_the_role_and_a_stale_read_is_not_kept_over_it(
    checks: Checks,
) -> None:
    org, ana, bo = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    epoch = await checks.revocations.open_epoch()
    await checks.roles.keep(org, ana, MemberRole.MANAGER, epoch)
    await checks.roles.keep(org, bo, MemberRole.MANAGER, epoch)

    async with checks.roles.changing([(org, ana), (org, bo)]):
        assert await checks.role(org, ana) is None
        # A request that read the role before the change commits tries to keep it.
        await checks.roles.keep(org, ana, MemberRole.MANAGER, epoch)
        assert await checks.role(org, ana) is None
    await checks.roles.keep(org, bo, MemberRole.MANAGER, epoch)

    assert await checks.role(org, ana) is None
    assert await checks.role(org, bo) is None
    async with checks.roles.changing([]):
        pass


@pytest_asyncio.fixture(params=["memory", "redis"], loop_scope="session")
async def unreachable(request: pytest.FixtureRequest) -> AsyncIterator[RoleCache]:
    if request.param == "memory":
        roles = FakeRoleCache()
        roles.down = True
        yield roles
        return
    redis = connect(f"redis://127.0.0.1:{free_port()}/0")
    yield RedisRoleCache(redis)
    await redis.aclose()


async def test_with_redis_unreachable_a_change_does_not_start(unreachable: RoleCache) -> None:
    started = False
    with pytest.raises(UNAVAILABLE_ERRORS):
        async with unreachable.changing([(uuid.uuid4(), uuid.uuid4())]):
            started = True
    assert not started
    # Keeping a role is only a saving: it gives up quietly.
    await unreachable.keep(uuid.uuid4(), uuid.uuid4(), MemberRole.OWNER, "1765000000.000123")


async def test_redis_keeps_a_role_for_minutes_and_a_change_s_mark_for_one(
    backends: Backends,
) -> None:
    redis = connect(backends.redis_url)
    roles, org, ana, bo = RedisRoleCache(redis), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    try:
        await roles.keep(org, ana, MemberRole.VIEWER, "1765000000.000123")
        async with roles.changing([(org, bo)]):
            pass
        assert 290 <= await redis.ttl(member_key(org, ana)) <= 300
        assert 50 <= await redis.ttl(member_key(org, bo)) <= 60
    finally:
        await redis.aclose()
