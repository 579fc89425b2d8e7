"""The per-request Redis checks when many requests arrive at once (one script call for all)."""

import asyncio
import time
import uuid

import pytest

from api.infrastructure.cache.guard import RedisRevocations
from api.infrastructure.cache.redis import connect
from api.presentation.context import Services
from tests.support.backends import Backends

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_requests_checked_together_each_spend_their_own_allowance(
    services: Services,
) -> None:
    bucket = f"user:{uuid.uuid4()}"
    verdicts = await asyncio.gather(*(services.guard.check(bucket, 5) for _ in range(8)))
    assert [v.allowed for v in verdicts] == [True] * 5 + [False] * 3
    assert [v.remaining for v in verdicts[:5]] == [4, 3, 2, 1, 0]
    assert all(v.retry_after_seconds >= 1 for v in verdicts[5:])


async def test_a_revoked_token_checked_among_others_is_the_only_one_refused(
    services: Services, backends: Backends
) -> None:
    revoked, live = uuid.uuid4().hex, uuid.uuid4().hex
    redis = connect(backends.redis_url)
    try:
        await RedisRevocations(redis).revoke_token(revoked, 60)
    finally:
        await redis.aclose()
    now = int(time.time())
    verdicts = await asyncio.gather(
        services.guard.check(f"user:{uuid.uuid4()}", 100, live, str(uuid.uuid4()), now),
        services.guard.check(f"user:{uuid.uuid4()}", 100, revoked, str(uuid.uuid4()), now),
        services.guard.check(f"ip:{uuid.uuid4()}", 100),
    )
    assert [v.revoked for v in verdicts] == [False, True, False]
    assert all(v.allowed for v in verdicts)
