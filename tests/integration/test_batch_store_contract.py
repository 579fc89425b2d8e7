"""The batches repository: one suite for the PostgreSQL adapter and the fake the unit and HTTP
tests use, so that the fake cannot drift from what the database does. (test_batches_store.py
drives the same adapter through the use cases.)"""

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest

from api.application.pagination import Cursor
from api.application.ports import BatchRepository
from api.domain.batches import Batch, BatchFilter, BatchStatus, Origin
from api.domain.errors import Conflict
from api.domain.locations import Location, LocationKind
from api.domain.organisations import Activity, NewOrganisation
from api.infrastructure.db.batches import PgBatches
from api.infrastructure.db.locations import PgLocations
from api.infrastructure.db.organisations import PgOrganisations
from api.presentation.context import Services
from tests.integration.conftest import LAST_ID, moment, new_batch, walk
from tests.support.fakes import FakeBatches

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NOW = datetime(2031, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)


@dataclass
class Store:
    batches: BatchRepository
    # The database needs the organisations and locations a batch names; the fake does not.
    real: bool

    async def organisation(self) -> uuid.UUID:
        if not self.real:
            return uuid.uuid4()
        new = NewOrganisation("Finca", "MX", frozenset({Activity.PRODUCER, Activity.BUYER}))
        return (await PgOrganisations().add(new, NOW)).id

    async def location(self, organisation_id: uuid.UUID) -> uuid.UUID:
        place = Location(uuid.uuid4(), organisation_id, "Packhouse", LocationKind.PACKHOUSE, "MX",
                         organisation_id, NOW, NOW)  # fmt: skip
        if self.real:
            await PgLocations().add(place)
        return place.id

    async def batch(self, owner: uuid.UUID, at: datetime = NOW, **fields: object) -> Batch:
        return await self.batches.add(owner, new_batch(**fields), code(), at)


@pytest.fixture(params=["memory", "postgres"])
def store(request: pytest.FixtureRequest, services: Services) -> Store:
    if request.param == "memory":
        return Store(FakeBatches(), real=False)
    return Store(PgBatches(), real=True)


def code() -> str:
    return f"LOT-{uuid.uuid4().hex[:12].upper()}"


def newest_first(batches: list[Batch]) -> list[Batch]:
    return sorted(batches, key=lambda b: (b.created_at, b.id), reverse=True)


async def test_a_batch_reads_back_by_id_by_public_code_and_locked(store: Store) -> None:
    owner = await store.organisation()
    parent = await store.batch(owner)
    made = await store.batches.add(
        owner,
        new_batch(origin=Origin("La Loma", "MX", None), variety=None, farm_public=True,
                  publish=True),
        code(),
        NOW,
        parent_id=parent.id,
        created_by=uuid.uuid4(),
    )  # fmt: skip

    assert made.public_code.startswith(made.code + ".")
    assert (made.status, made.published_at, made.parent_id) == (
        BatchStatus.REGISTERED,
        NOW,
        parent.id,
    )
    assert await store.batches.get(made.id) == made
    assert await store.batches.get_for_update(made.id) == made
    assert await store.batches.by_public_code(made.public_code) == made
    # The code alone does not open a client-coded lot's public page.
    assert await store.batches.by_public_code(made.code) is None
    assert await store.batches.get(uuid.uuid4()) is None
    assert await store.batches.get_for_update(uuid.uuid4()) is None


async def test_a_taken_code_is_a_conflict_whoever_takes_it(store: Store) -> None:
    mine, theirs = await store.organisation(), await store.organisation()
    taken = code()
    await store.batches.add(mine, new_batch(), taken, NOW)

    with pytest.raises(Conflict):
        await store.batches.add(theirs, new_batch(), taken, NOW)
    assert list(await store.batches.page(theirs, BatchFilter(), None, 10)) == []


async def test_saving_a_status_stores_custody_and_publication_and_nothing_else(
    store: Store,
) -> None:
    owner, buyer = await store.organisation(), await store.organisation()
    made = await store.batch(owner)
    ship_from, ship_to = await store.location(owner), await store.location(buyer)
    later = NOW + timedelta(hours=1)
    shipped = replace(
        made, status=BatchStatus.IN_TRANSIT, updated_at=later, recipient_id=buyer,
        published_at=later, ship_from_location_id=ship_from, ship_to_location_id=ship_to,
    )  # fmt: skip

    await store.batches.save_status(replace(shipped, product="changed", quantity=made.quantity * 2))

    assert await store.batches.get(made.id) == shipped


async def test_pages_are_newest_first_and_lose_nothing_at_a_tie(store: Store) -> None:
    owner = await store.organisation()
    made = [await store.batch(owner) for _ in range(4)]
    made += [await store.batch(owner, NOW + timedelta(seconds=1))]
    expected = newest_first(made)

    for size in (1, 2, 5):
        seen = await walk(partial(store.batches.page, owner, BatchFilter()), size, 6)
        assert seen == expected
    middle = expected[2]
    after = Cursor(middle.created_at, middle.id)
    assert list(await store.batches.page(owner, BatchFilter(), after, 10)) == expected[3:]


async def test_a_recipient_sees_what_was_shipped_to_it_only_when_asked(store: Store) -> None:
    owner, buyer = await store.organisation(), await store.organisation()
    own = await store.batch(buyer)
    shipped = await store.batch(owner, NOW + timedelta(seconds=1))
    shipped = replace(shipped, status=BatchStatus.IN_TRANSIT, recipient_id=buyer)
    await store.batches.save_status(shipped)
    await store.batch(owner)

    assert list(await store.batches.page(buyer, BatchFilter(), None, 10)) == [own]
    both = await store.batches.page(buyer, BatchFilter(), None, 10, or_recipient=True)
    assert list(both) == [shipped, own]


async def test_owned_and_received_batches_page_together_newest_first(store: Store) -> None:
    owner, buyer = await store.organisation(), await store.organisation()
    at = moment()
    mine, received = [], []
    for second in range(6):
        if second % 2:
            mine.append(await store.batch(buyer, at + timedelta(seconds=second)))
            continue
        shipped = await store.batch(owner, at + timedelta(seconds=second))
        shipped = replace(shipped, status=BatchStatus.IN_TRANSIT, recipient_id=buyer)
        await store.batches.save_status(shipped)
        received.append(shipped)
    await store.batch(owner, at + timedelta(seconds=7))  # not the buyer's

    page = partial(store.batches.page, buyer, BatchFilter(), or_recipient=True)
    for size in (1, 2, 4):
        assert await walk(page, size, 7) == newest_first(mine + received)
    in_transit = partial(
        store.batches.page, buyer, BatchFilter(status=BatchStatus.IN_TRANSIT), or_recipient=True
    )
    assert await walk(in_transit, 2, 4) == newest_first(received)


async def test_without_an_owner_a_page_holds_every_batch(store: Store) -> None:
    at = moment()
    made = [await store.batch(await store.organisation(), at + timedelta(seconds=s))
            for s in (0, 1, 1)]  # fmt: skip
    start = Cursor(at + timedelta(seconds=1), LAST_ID)

    assert await walk(partial(store.batches.page, None, BatchFilter()), 2, 3, start) == (
        newest_first(made)
    )


async def test_filters_select_by_status_product_and_creation_day(store: Store) -> None:
    owner = await store.organisation()
    # The last microsecond of 10 May and the first of 11 May, in UTC.
    late = await store.batch(owner, datetime(2030, 5, 11, tzinfo=UTC) - timedelta(microseconds=1))
    early = await store.batch(owner, datetime(2030, 5, 11, tzinfo=UTC), product="Mango")
    cancelled = replace(early, status=BatchStatus.CANCELLED)
    await store.batches.save_status(cancelled)

    async def found(**filters: object) -> list[Batch]:
        got = await store.batches.page(owner, BatchFilter(**filters), None, 10)  # type: ignore[arg-type]
        return list(got)

    assert await found() == [cancelled, late]
    assert await found(status=BatchStatus.CANCELLED) == [cancelled]
    assert await found(status=BatchStatus.REGISTERED) == [late]
    assert await found(product="MANGO") == [cancelled]
    assert await found(product="mang") == []
    assert await found(created_from=date(2030, 5, 11)) == [cancelled]
    assert await found(created_to=date(2030, 5, 10)) == [late]
    assert await found(created_from=date(2030, 5, 10), created_to=date(2030, 5, 10)) == [late]
    # The widest days a query may name.
    assert await found(created_from=date.min, created_to=date.max) == [cancelled, late]
    assert await found(created_from=date.max) == []
