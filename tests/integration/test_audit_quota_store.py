"""The quota on refusal rows in the audit trail: one suite for the Redis adapter and the fake the
unit and HTTP tests use, so that the fake cannot drift from what Redis counts. (The window is
Redis's clock, a minute: the fake's counts never expire, so the suite asserts no reset.)"""

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from api.application.ports import AuditQuota
from api.infrastructure.cache.audit_quota import RedisAuditQuota
from api.infrastructure.cache.redis import connect
from tests.support.backends import Backends
from tests.support.fakes import FakeAuditQuota

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(params=["memory", "redis"], loop_scope="session")
async def quota(request: pytest.FixtureRequest, backends: Backends) -> AsyncIterator[AuditQuota]:
    if request.param == "memory":
        yield FakeAuditQuota(per_minute=3)
        return
    redis = connect(backends.redis_url)
    yield RedisAuditQuota(redis, per_minute=3)
    await redis.aclose()


async def test_a_client_may_cause_its_quota_of_rows_and_no_more(quota: AuditQuota) -> None:
    client, other = f"ip:{uuid.uuid4()}", f"user:{uuid.uuid4()}"

    assert [await quota.allow(client) for _ in range(5)] == [True] * 3 + [False] * 2
    assert await quota.allow(other)
