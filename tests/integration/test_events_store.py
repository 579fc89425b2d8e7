"""The event-chain repository: one suite for the PostgreSQL adapter and the fake the unit and
HTTP tests use, so that the fake cannot drift from what the database does."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from tortoise.exceptions import IntegrityError

from api.application.ports import EventRepository
from api.domain.errors import Conflict
from api.domain.events import BatchEvent, EventData, link
from api.domain.organisations import Activity, NewOrganisation
from api.domain.users import Actor, Role
from api.infrastructure.db.batches import PgBatches
from api.infrastructure.db.events import PgEvents
from api.infrastructure.db.organisations import PgOrganisations
from api.presentation.context import Services
from tests.integration.conftest import new_batch
from tests.support.fakes import FakeEvents

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NOW = datetime(2031, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)
BY = Actor(uuid.uuid4(), Role.PRODUCER)


@dataclass
class Store:
    events: EventRepository
    real: bool

    async def batch(self) -> uuid.UUID:
        """A batch to chain events to: the database needs one; the fake takes any id."""
        if not self.real:
            return uuid.uuid4()
        new = NewOrganisation("Finca", "MX", frozenset({Activity.PRODUCER}))
        owner = (await PgOrganisations().add(new, NOW)).id
        return (await PgBatches().add(owner, new_batch(), f"EV-{uuid.uuid4().hex[:12]}", NOW)).id


@pytest.fixture(params=["memory", "postgres"])
def store(request: pytest.FixtureRequest, services: Services) -> Store:
    if request.param == "memory":
        return Store(FakeEvents(), real=False)
    return Store(PgEvents(), real=True)


def chain_of(batch_id: uuid.UUID, length: int, head: BatchEvent | None = None) -> list[BatchEvent]:
    events: list[BatchEvent] = []
    for n in range(length):
        data: EventData = {"n": n, "note": "ñandú", "nested": {"ok": True, "none": None}}
        head = link(batch_id, head, "status_changed", NOW + timedelta(seconds=n), "producer", data)
        events.append(head)
    return events


async def test_a_chain_reads_back_whole_in_sequence_order_and_its_head_is_the_last(
    store: Store,
) -> None:
    batch, other = await store.batch(), await store.batch()
    events = chain_of(batch, 3)
    await store.events.add(events[:1], BY)
    await store.events.add(events[1:])
    await store.events.add(chain_of(other, 1))

    assert await store.events.chain(batch) == events
    assert await store.events.head(batch) == events[-1]


async def test_a_batch_without_events_has_no_head_and_an_empty_chain(store: Store) -> None:
    batch = await store.batch()

    assert await store.events.head(batch) is None
    assert await store.events.chain(batch) == []
    assert not await store.events.has_hash(batch, "0" * 64)


async def test_a_hash_is_found_in_its_own_batchs_chain_only(store: Store) -> None:
    batch, other = await store.batch(), await store.batch()
    events = chain_of(batch, 2)
    await store.events.add(events)
    await store.events.add(chain_of(other, 1))

    assert all([await store.events.has_hash(batch, e.hash) for e in events])
    assert not await store.events.has_hash(other, events[0].hash)
    assert not await store.events.has_hash(batch, events[0].prev_hash)


async def test_a_taken_sequence_number_is_refused_as_a_bug_and_adds_nothing(store: Store) -> None:
    batch = await store.batch()
    events = chain_of(batch, 2)
    await store.events.add(events)
    # Writers append under the batch's row lock: a taken number is a bug, not a client's
    # conflict (a 500, not a 409).
    rival = link(batch, events[0], "cancelled", NOW, "producer", {})
    following = link(batch, events[1], "cancelled", NOW, "producer", {})

    with pytest.raises(IntegrityError) as refused:
        await store.events.add([following, rival])
    assert not isinstance(refused.value, Conflict)
    assert await store.events.chain(batch) == events
