"""What the FSMA 204 export reads of the batch events: one suite for the PostgreSQL adapter and
the fake the HTTP tests use, so that the fake cannot drift from what the database does."""

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pytest

from api.application.ports import BatchRepository, EventRepository, RecordedEventRepository
from api.domain.batches import Batch, BatchStatus
from api.domain.events import BatchEvent, EventData, link
from api.domain.fsma.sources import EventFilter, StoredEvent
from api.domain.organisations import Activity, NewOrganisation
from api.infrastructure.db.batches import PgBatches
from api.infrastructure.db.events import PgEvents
from api.infrastructure.db.fsma import PgRecordedEvents
from api.infrastructure.db.organisations import PgOrganisations
from api.presentation.context import Services
from tests.integration.conftest import moment, new_batch
from tests.support.fakes import FakeBatches, FakeEvents, FakeRecordedEvents

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@dataclass
class Store:
    batches: BatchRepository
    events: EventRepository
    records: RecordedEventRepository
    real: bool

    async def organisation(self, at: datetime) -> uuid.UUID:
        if not self.real:
            return uuid.uuid4()
        new = NewOrganisation("Finca", "MX", frozenset({Activity.PRODUCER}))
        return (await PgOrganisations().add(new, at)).id

    async def batch(self, owner: uuid.UUID, at: datetime, **fields: object) -> Batch:
        code = f"FS-{uuid.uuid4().hex[:12]}"
        return await self.batches.add(owner, new_batch(**fields), code, at)

    async def chain(
        self, batch: Batch, at: datetime, *steps: tuple[str, EventData]
    ) -> list[BatchEvent]:
        head, made = None, []
        for n, (kind, data) in enumerate(steps):
            head = link(batch.id, head, kind, at + timedelta(seconds=n), "producer", data)
            made.append(head)
        await self.events.add(made)
        return made


@pytest.fixture(params=["memory", "postgres"])
def store(request: pytest.FixtureRequest, services: Services) -> Store:
    if request.param == "memory":
        batches, events = FakeBatches(), FakeEvents()
        return Store(batches, events, FakeRecordedEvents(batches, events), real=False)
    return Store(PgBatches(), PgEvents(), PgRecordedEvents(), real=True)


def _seen(events: list[StoredEvent]) -> list[tuple[str, str]]:
    return [(e.batch.code, e.type) for e in events]


async def test_the_events_of_a_time_range_come_in_time_order_page_after_page(
    store: Store,
) -> None:
    at = moment()
    owner = await store.organisation(at)
    first, second = await store.batch(owner, at), await store.batch(owner, at)
    await store.chain(first, at, ("created", {}), ("shipped", {}), ("rejected", {}))
    await store.chain(second, at + timedelta(milliseconds=500), ("created", {}), ("split", {}))
    filters = EventFilter(owner, start=at, end=at + timedelta(minutes=1))

    whole = list(await store.records.page(filters, None, 10))
    one = list(await store.records.page(filters, None, 1))
    rest = list(await store.records.page(filters, (one[0].at, one[0].id), 10))

    # Rejections are not critical tracking events.
    assert _seen(whole) == [
        (first.code, "created"), (second.code, "created"), (first.code, "shipped"),
        (second.code, "split"),
    ]  # fmt: skip
    assert one + rest == whole
    assert whole[0].batch == first
    assert whole[0].at == at
    assert await store.records.page(replace(filters, end=at), None, 10) == []


async def test_an_organisation_reads_the_lots_it_owns_or_was_shipped_of_its_product(
    store: Store,
) -> None:
    at = moment()
    owner, buyer, stranger = [await store.organisation(at) for _ in range(3)]
    shipped = await store.batch(owner, at, product="Romaine")
    kept = await store.batch(owner, at, product="cucumber")
    await store.chain(shipped, at, ("created", {}))
    await store.chain(kept, at, ("created", {}))
    await store.batches.save_status(
        replace(shipped, status=BatchStatus.IN_TRANSIT, recipient_id=buyer)
    )
    end = at + timedelta(minutes=1)

    mine = await store.records.page(EventFilter(owner, at, end), None, 10)
    theirs = await store.records.page(EventFilter(buyer, at, end), None, 10)
    nobody = await store.records.page(EventFilter(stranger, at, end), None, 10)
    romaine = await store.records.page(EventFilter(owner, at, end, "romaine"), None, 10)

    assert {e.batch.code for e in mine} == {shipped.code, kept.code}
    assert [e.batch.code for e in theirs] == [shipped.code]
    assert theirs[0].batch.recipient_id == buyer
    assert nobody == []
    assert [e.batch.code for e in romaine] == [shipped.code]


async def test_a_delivery_comes_with_its_shipments_data(store: Store) -> None:
    at = moment()
    owner = await store.organisation(at)
    batch = await store.batch(owner, at)
    document: EventData = {"reference_document": {"type": "bill_of_lading", "number": "B-1"}}
    await store.chain(batch, at, ("created", {}), ("shipped", document), ("delivered", {}))

    events = await store.records.page(
        EventFilter(owner, start=at, end=at + timedelta(minutes=1)), None, 10
    )

    assert [(e.type, e.data, e.shipment) for e in events] == [
        ("created", {}, None),
        ("shipped", document, None),
        ("delivered", {}, document),
    ]
