"""The machine-client store and the single-use guard behave the same over PostgreSQL and Redis
as the fakes the fast tests use."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from api.domain.clients import ApiClient, AuthMethod, ClientSecret
from api.domain.organisations import Activity, NewOrganisation
from api.infrastructure.cache.redis import connect
from api.infrastructure.cache.replays import RedisReplayGuard
from api.infrastructure.db.clients import PgApiClients
from api.infrastructure.db.organisations import PgOrganisations
from api.presentation.context import Services
from tests.support.backends import Backends
from tests.support.fakes import FakeApiClients, FakeReplayGuard

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NOW = datetime(2031, 3, 14, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["fake", "postgres"])
def store(request: pytest.FixtureRequest, services: Services) -> Any:
    """Either store; `services` has opened the database the real one writes to."""
    return FakeApiClients() if request.param == "fake" else PgApiClients()


@pytest_asyncio.fixture(params=["fake", "redis"], loop_scope="session")
async def replays(request: pytest.FixtureRequest, backends: Backends) -> AsyncIterator[Any]:
    if request.param == "fake":
        yield FakeReplayGuard()
        return
    redis = connect(backends.redis_url)
    yield RedisReplayGuard(redis)
    await redis.aclose()


async def organisation() -> uuid.UUID:
    new = NewOrganisation("Finca", "CO", frozenset({Activity.PRODUCER}))
    return (await PgOrganisations().add(new, NOW)).id


def a_client(organisation_id: uuid.UUID, at: datetime = NOW, name: str = "scanner") -> ApiClient:
    return ApiClient(
        uuid.uuid4(), organisation_id, name, frozenset({"batches:read", "events:read"}),
        AuthMethod.PRIVATE_KEY_JWT, {"kty": "EC", "crv": "P-256", "x": "x", "y": "y"}, 90,
        uuid.uuid4(), at, at,
    )  # fmt: skip


def a_secret(client: ApiClient, at: datetime) -> ClientSecret:
    return ClientSecret(uuid.uuid4(), client.id, uuid.uuid4().hex * 2, at)


async def test_a_client_reads_back_whole_with_its_live_secrets_oldest_first(store: Any) -> None:
    client = a_client(await organisation())
    await store.add(client)
    older, newer = a_secret(client, NOW), a_secret(client, NOW + timedelta(seconds=1))
    for secret in (newer, older):
        await store.add_secret(secret)

    found = await store.get(client.id)
    locked = await store.get_for_update(client.id)

    assert found == locked
    assert found.secrets == (older, newer)
    assert found == ApiClient(**{**vars(client), "secrets": (older, newer)})
    assert await store.get(uuid.uuid4()) is None


async def test_revoked_secrets_leave_the_live_ones_and_a_client_is_revoked_once(
    store: Any,
) -> None:
    client = a_client(await organisation())
    await store.add(client)
    kept, gone = a_secret(client, NOW), a_secret(client, NOW + timedelta(seconds=1))
    for secret in (kept, gone):
        await store.add_secret(secret)

    await store.revoke_secret(gone.id, NOW + timedelta(minutes=1))
    await store.revoke(client.id, NOW + timedelta(minutes=2))
    await store.revoke(client.id, NOW + timedelta(minutes=3))

    found = await store.get(client.id)
    assert found.secrets == (kept,)
    assert found.revoked_at == found.updated_at == NOW + timedelta(minutes=2)


async def test_an_organisations_clients_come_newest_first_and_only_its_own(store: Any) -> None:
    mine, theirs = await organisation(), await organisation()
    first, second = a_client(mine), a_client(mine, NOW + timedelta(seconds=1), "erp")
    for client in (first, second, a_client(theirs)):
        await store.add(client)

    assert [c.id for c in await store.of(mine)] == [second.id, first.id]


async def test_an_assertion_id_is_claimed_once(replays: Any) -> None:
    key = f"assertion:{uuid.uuid4()}:{uuid.uuid4().hex}"
    until = datetime.now(UTC) + timedelta(seconds=30)

    assert await replays.first_use(key, until)
    assert not await replays.first_use(key, until)
    assert await replays.first_use(key + "-other", until)
