"""The transactions repository: one suite for the PostgreSQL adapter and the fake the unit and
HTTP tests use, so that the fake cannot drift from what the database does."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from api.application.pagination import Cursor
from api.application.ports import TransactionRepository
from api.domain.errors import Conflict
from api.domain.organisations import Activity, NewOrganisation
from api.domain.transactions import EventType, NewTransaction, Transaction, TxStatus
from api.domain.users import Actor, Role
from api.infrastructure.db.batches import PgBatches
from api.infrastructure.db.organisations import PgOrganisations
from api.infrastructure.db.transactions import PgTransactions
from api.presentation.context import Services
from tests.integration.conftest import new_batch, tx_hash, walk
from tests.support.fakes import FakeTransactions

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NOW = datetime(2031, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)


@dataclass
class Store:
    transactions: TransactionRepository
    real: bool

    async def batch(self) -> uuid.UUID:
        """A batch to record against: the database needs one; the fake takes any id."""
        if not self.real:
            return uuid.uuid4()
        new = NewOrganisation("Finca", "MX", frozenset({Activity.PRODUCER}))
        owner = (await PgOrganisations().add(new, NOW)).id
        code = f"TX-{uuid.uuid4().hex[:12]}"
        return (await PgBatches().add(owner, new_batch(), code, NOW)).id

    async def record(self, batch_id: uuid.UUID, at: datetime = NOW) -> Transaction:
        new = NewTransaction(tx_hash(), "polygon-amoy", EventType.SHIPPED)
        return await self.transactions.add(batch_id, new, at)


@pytest.fixture(params=["memory", "postgres"])
def store(request: pytest.FixtureRequest, services: Services) -> Store:
    if request.param == "memory":
        return Store(FakeTransactions(), real=False)
    return Store(PgTransactions(), real=True)


def newest_first(records: list[Transaction]) -> list[Transaction]:
    return sorted(records, key=lambda t: (t.created_at, t.id), reverse=True)


async def test_a_record_reads_back_by_its_hash_as_it_was_made(store: Store) -> None:
    batch = await store.batch()
    new = NewTransaction(
        tx_hash(), "polygon", EventType.CERTIFIED, TxStatus.CONFIRMED, 2**40, "ab" * 32, "cd" * 32
    )
    by = Actor(uuid.uuid4(), Role.PRODUCER)

    made = await store.transactions.add(batch, new, NOW, by)

    assert made == Transaction(
        made.id, batch, new.tx_hash, "polygon", EventType.CERTIFIED, TxStatus.CONFIRMED, 2**40,
        "ab" * 32, NOW, NOW, "cd" * 32,
    )  # fmt: skip
    assert await store.transactions.by_hash(new.tx_hash) == made
    assert await store.transactions.by_hash(tx_hash()) is None


async def test_a_hash_is_recorded_once_whichever_batch_names_it(store: Store) -> None:
    first, second = await store.batch(), await store.batch()
    made = await store.record(first)
    again = NewTransaction(made.tx_hash, "polygon-amoy", EventType.RECEIVED)

    with pytest.raises(Conflict):
        await store.transactions.add(second, again, NOW)
    assert await store.transactions.by_hash(made.tx_hash) == made
    assert list(await store.transactions.page(second, None, 10)) == []


async def test_pages_are_newest_first_lose_nothing_at_a_tie_and_hold_one_batch(
    store: Store,
) -> None:
    batch, other = await store.batch(), await store.batch()
    made = [await store.record(batch) for _ in range(4)]
    made += [await store.record(batch, NOW + timedelta(seconds=1))]
    await store.record(other)
    expected = newest_first(made)

    for size in (1, 2, 5):
        assert await walk(partial(store.transactions.page, batch), size, 6) == expected
    middle = expected[2]
    after = Cursor(middle.created_at, middle.id)
    assert list(await store.transactions.page(batch, after, 10)) == expected[3:]
    assert list(await store.transactions.page(uuid.uuid4(), None, 10)) == []


async def test_oldest_first_is_the_reverse_order_cut_at_its_limit(store: Store) -> None:
    batch = await store.batch()
    made = [await store.record(batch, NOW + timedelta(seconds=s)) for s in (1, 0, 0, 2)]
    oldest = newest_first(made)[::-1]

    assert list(await store.transactions.oldest_first(batch, 10)) == oldest
    assert list(await store.transactions.oldest_first(batch, 3)) == oldest[:3]
    assert list(await store.transactions.oldest_first(uuid.uuid4(), 10)) == []
