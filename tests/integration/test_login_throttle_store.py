"""The login throttle: one suite for the Redis adapter and the fake the unit and HTTP tests use,
so that the fake cannot drift from what the Redis script counts. (Expiry is Redis's clock: the
fake's counts and locks never expire, so the suite asserts none.)"""

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from api.application.ports import AddressStanding, LoginThrottle
from api.infrastructure.cache.login_throttle import RedisLoginThrottle, ThrottlePolicy
from api.infrastructure.cache.redis import connect
from tests.support.backends import Backends
from tests.support.fakes import FakeThrottle

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

# Locks of 1, 2, 4, then 8 seconds from the second failure; an address is locked for a minute
# after ten failures, whichever accounts they were on.
POLICY = ThrottlePolicy(
    failures_before_lockout=2, lockout_max_seconds=8, failures_per_ip=10, window_seconds=60
)


@pytest_asyncio.fixture(params=["memory", "redis"], loop_scope="session")
async def throttle(
    request: pytest.FixtureRequest, backends: Backends
) -> AsyncIterator[LoginThrottle]:
    if request.param == "memory":
        yield FakeThrottle(POLICY)
        return
    redis = connect(backends.redis_url)
    yield RedisLoginThrottle(redis, POLICY)
    await redis.aclose()


def email() -> str:
    return f"{uuid.uuid4().hex}@example.com"


def address() -> str:
    # Keys are shared with every other test: an address of the test's own.
    return f"198.51.100.{uuid.uuid4().hex[:8]}"


async def test_an_unknown_address_is_neither_locked_nor_failing_nor_known(
    throttle: LoginThrottle,
) -> None:
    assert await throttle.check(email(), address()) == AddressStanding(0, 0, False)


async def test_failures_lock_the_account_at_that_address_doubling_to_the_ceiling(
    throttle: LoginThrottle,
) -> None:
    ana, ip = email(), address()

    locks = [await throttle.failed(ana, ip) for _ in range(6)]

    assert locks == [0, 1, 2, 4, 8, 8]
    standing = await throttle.check(ana, ip)
    # Redis answers what is left of the lock, in whole seconds.
    assert 7 <= standing.locked_for <= 8
    assert (standing.failures, standing.known_good) == (6, False)
    assert await throttle.check(ana, address()) == AddressStanding(0, 0, False)
    assert (await throttle.check(email(), ip)).locked_for == 0


async def test_an_address_failing_on_many_accounts_is_locked_for_all(
    throttle: LoginThrottle,
) -> None:
    ip = address()

    locks = [await throttle.failed(email(), ip) for _ in range(10)]

    assert locks == [0] * 9 + [60]
    standing = await throttle.check(email(), ip)
    assert 59 <= standing.locked_for <= 60
    assert standing.failures == 10
    assert (await throttle.check(email(), address())).locked_for == 0


async def test_a_success_clears_the_accounts_count_and_lock_and_marks_the_address_good(
    throttle: LoginThrottle,
) -> None:
    ana, ip = email(), address()
    for _ in range(3):
        await throttle.failed(ana, ip)

    await throttle.succeeded(ana, ip)

    # The address's failures still count; the account's start again.
    assert await throttle.check(ana, ip) == AddressStanding(0, 3, True)
    assert await throttle.check(email(), ip) == AddressStanding(0, 3, True)
    assert await throttle.failed(ana, ip) == 0
    assert await throttle.failed(ana, ip) == 1
    assert (await throttle.check(ana, address())).known_good is False
