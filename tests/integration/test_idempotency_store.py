"""Idempotency keys: one suite for the Redis adapter and the fake the HTTP tests use, so that
the fake cannot drift from what Redis keeps. (How long a key lives is Redis's clock: the fake
keeps keys until released, so the suite asserts no expiry.)"""

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from api.infrastructure.cache.idempotency import Claim, RedisIdempotency, StoredResponse
from api.infrastructure.cache.redis import connect
from api.presentation.context import IdempotencyStore
from tests.support.backends import Backends
from tests.support.fakes import FakeIdempotency

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

RESPONSE = StoredResponse(
    "fingerprint-1", 201, '{"id": "ñ-1"}'.encode(), {"Location": "/api/v1/batches/1"}
)


@pytest_asyncio.fixture(params=["memory", "redis"], loop_scope="session")
async def keys(
    request: pytest.FixtureRequest, backends: Backends
) -> AsyncIterator[IdempotencyStore]:
    if request.param == "memory":
        yield FakeIdempotency()
        return
    redis = connect(backends.redis_url)
    yield RedisIdempotency(redis, ttl_seconds=300)
    await redis.aclose()


def key() -> str:
    return f"user:{uuid.uuid4()}:{uuid.uuid4().hex}"


async def test_the_first_request_with_a_key_runs_and_the_others_wait_for_it(
    keys: IdempotencyStore,
) -> None:
    mine = key()

    assert await keys.claim(mine, "fingerprint-1") == Claim(acquired=True)
    # Still running: a retry learns what the running request was, whatever it sends.
    assert await keys.claim(mine, "fingerprint-1") == Claim(False, None, "fingerprint-1")
    assert await keys.claim(mine, "fingerprint-2") == Claim(False, None, "fingerprint-1")
    assert await keys.claim(key(), "fingerprint-1") == Claim(acquired=True)


async def test_a_stored_response_is_what_every_later_claim_gets(keys: IdempotencyStore) -> None:
    mine = key()
    await keys.claim(mine, RESPONSE.fingerprint)

    await keys.store(mine, RESPONSE)

    assert await keys.claim(mine, RESPONSE.fingerprint) == Claim(False, RESPONSE, "fingerprint-1")
    assert await keys.claim(mine, "fingerprint-2") == Claim(False, RESPONSE, "fingerprint-1")


async def test_a_released_key_is_free_again(keys: IdempotencyStore) -> None:
    mine = key()
    await keys.claim(mine, "fingerprint-1")

    await keys.release(mine)
    await keys.release(key())

    assert await keys.claim(mine, "fingerprint-2") == Claim(acquired=True)
    assert await keys.claim(mine, "fingerprint-3") == Claim(False, None, "fingerprint-2")
