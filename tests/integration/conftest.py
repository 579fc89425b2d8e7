import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import pytest
import pytest_asyncio

from api.application.pagination import Cursor, Keyed
from api.application.registration import personal_organisation
from api.bootstrap import build_services
from api.domain.audit import RequestContext
from api.domain.batches import NewBatch, Origin, Unit
from api.domain.transactions import EventType, NewTransaction
from api.domain.users import Actor, Role
from api.infrastructure.db.batches import PgBatches
from api.infrastructure.db.organisations import PgOrganisations
from api.infrastructure.db.transactions import PgTransactions
from api.infrastructure.db.users import PgUsers
from api.presentation.context import Services
from api.settings import Settings
from tests.support.backends import Backends

pytestmark = pytest.mark.integration

K = TypeVar("K", bound=Keyed)

# Above every id: a cursor at (t, LAST_ID) starts a page with the rows made at t.
LAST_ID = uuid.UUID(int=2**128 - 1)

CTX = RequestContext(request_id="integration-test", ip="127.0.0.1", user_agent="pytest")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def services(
    backends: Backends, database_url: str, signing_key: Path
) -> AsyncIterator[Services]:
    """The real composition root, wired to the throwaway database and Redis."""
    settings = Settings(
        database_url=database_url,
        redis_url=backends.redis_url,
        jwt_private_key_file=signing_key,
        env="test",
        refresh_reuse_grace_seconds=0,
    )
    wired = await build_services(settings)
    yield wired
    await wired.close()


def new_batch(**overrides: object) -> NewBatch:
    fields: dict[str, object] = {
        "product": "avocado",
        "origin": Origin(farm="La Loma", country="MX", region="Michoacan"),
        "harvest_date": date(2026, 10, 2),
        "quantity": Decimal("1250.500"),
        "unit": Unit.KG,
        "variety": "Hass",
    }
    fields.update(overrides)
    return NewBatch(**fields)  # type: ignore[arg-type]


def tx_hash() -> str:
    return "0x" + uuid.uuid4().hex + uuid.uuid4().hex


async def producer(services: Services) -> Actor:
    user = await services.auth.register(
        f"producer-{uuid.uuid4().hex[:8]}@example.com", "a fine passphrase", "P", Role.PRODUCER, CTX
    )
    return Actor(user.id, user.role)


@pytest_asyncio.fixture(loop_scope="session")
async def seeded_batch(services: Services) -> str:
    """One user, batch and transaction written through the repositories."""
    now = datetime.now(UTC)
    user = await PgUsers().add(
        f"seed-{uuid.uuid4().hex[:8]}@example.com", "Seed", Role.PRODUCER, "x", now
    )
    await PgOrganisations().add(personal_organisation("Seed", Role.PRODUCER), now, user.id)
    batch = await PgBatches().add(user.id, new_batch(), f"SEED-{uuid.uuid4().hex[:8]}", now)
    await PgTransactions().add(
        batch.id, NewTransaction(tx_hash(), "polygon-amoy", EventType.REGISTERED), now
    )
    return str(batch.id)


def moment() -> datetime:
    """An instant of the test's own, somewhere in 1990-2020: in a database every test shares,
    the rows a test makes at it (or seconds after) are the first a page from there meets."""
    offset = timedelta(microseconds=secrets.randbelow(30 * 365 * 24 * 3600 * 10**6))
    return datetime(1990, 1, 1, tzinfo=UTC) + offset


async def walk(
    page: Callable[[Cursor | None, int], Awaitable[Sequence[K]]],
    size: int,
    want: int,
    start: Cursor | None = None,
) -> list[K]:
    """`page(after, limit)` called for page after page of `size`, each from the last row of the
    one before, until `want` rows are seen or a short page says there are no more."""
    seen: list[K] = []
    after = start
    while len(seen) < want:
        rows = list(await page(after, size))
        seen += rows
        if len(rows) < size:
            break
        after = Cursor(rows[-1].created_at, rows[-1].id)
    return seen[:want]
