"""The FSMA 204 records use case: pages of events read one after another until a short one,
whose records a caller gets, and the filters a caller chooses."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

from api.application.fsma import FsmaRecords
from api.domain.batches import NewBatch, Origin, Unit
from api.domain.events import link
from api.domain.fsma.kdes import Cte
from api.domain.fsma.sources import EventFilter, RecordsQuery, StoredEvent
from api.domain.users import Actor, Role
from api.infrastructure.exports.formats import FORMATS
from tests.support.fakes import (
    FakeBatches,
    FakeEvents,
    FakeLocations,
    FakeOrganisations,
    FakeRecordedEvents,
    FakeUsers,
)

AT = datetime(2031, 5, 2, 8, 0, tzinfo=UTC)
NEW = NewBatch("romaine", Origin("La Loma", "MX"), date(2031, 5, 1), Decimal("900"), Unit.KG)


class Counting(FakeRecordedEvents):
    pages = 0

    async def page(
        self, filters: EventFilter, after: tuple[datetime, int] | None, limit: int
    ) -> Sequence[StoredEvent]:
        self.pages += 1
        return await super().page(filters, after, limit)


async def _history(lots: int) -> tuple[FsmaRecords, Counting, Actor]:
    batches, events = FakeBatches(), FakeEvents()
    grower = Actor(uuid4(), Role.PRODUCER)
    for n in range(lots):
        batch = await batches.add(grower.org, NEW, f"LOT-{n}", AT)
        created = link(batch.id, None, "created", AT + timedelta(minutes=n), "producer", {})
        shipped = link(batch.id, created, "shipped", AT + timedelta(hours=1, minutes=n), "p", {})
        await events.add([created, shipped])
    reads = Counting(batches, events)
    records = FsmaRecords(
        reads, batches, FakeLocations(), FakeOrganisations(FakeUsers()), FORMATS, page_size=2
    )
    return records, reads, grower


async def test_every_page_is_read_in_time_order_until_a_short_one() -> None:
    records, reads, grower = await _history(3)

    rows = [row async for row in records.rows(grower, RecordsQuery())]

    assert [(row.cte, row.traceability_lot_code) for row in rows] == [
        ("harvesting", "LOT-0"), ("harvesting", "LOT-1"), ("harvesting", "LOT-2"),
        ("shipping", "LOT-0"), ("shipping", "LOT-1"), ("shipping", "LOT-2"),
    ]  # fmt: skip
    # Six events in pages of two: three full pages, then an empty one.
    assert reads.pages == 4


async def test_a_caller_sees_its_own_and_an_auditor_everyones_chosen_rows() -> None:
    records, _, grower = await _history(2)
    stranger = replace(grower, id=uuid4())
    auditor = Actor(stranger.id, Role.AUDITOR)
    shipping = RecordsQuery(ctes=frozenset({Cte.SHIPPING}), lot="LOT-1")
    after = RecordsQuery(from_date=date(2031, 5, 3))

    assert [row async for row in records.rows(stranger, RecordsQuery())] == []
    chosen = [row async for row in records.rows(auditor, shipping)]
    assert [(row.cte, row.traceability_lot_code) for row in chosen] == [("shipping", "LOT-1")]
    assert [row async for row in records.rows(grower, after)] == []
