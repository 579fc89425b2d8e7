"""The use cases freeze each event's EPCIS form as they append the event, linked to the lot's
form before it, and leave our own chain as it was; a lot's EPCIS document holds what the caller
may see (docs/API.md, "EPCIS")."""

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from api.application.batches import Batches
from api.application.epcis import EpcisDocuments, Freezer
from api.application.lineage import Lots, Part
from api.domain import history
from api.domain.batches import Batch, BatchStatus, SplitKind
from api.domain.epcis.document import PREVIOUS_EVENT_ID
from api.domain.errors import NotFound, ValidationFailed
from api.domain.events import verify
from api.domain.locations import Location, LocationKind
from api.domain.users import Actor, Role
from tests.support.builders import CTX, new_batch
from tests.support.fake_webhooks import FakeOutbox, FakeWebhooks
from tests.support.fakes import (
    FakeAuditLog,
    FakeBatches,
    FakeClock,
    FakeEpcisEvents,
    FakeEvents,
    FakeLineage,
    FakeLocations,
    FakeOrganisations,
    FakeUsers,
    NullUnitOfWork,
)


@dataclass
class World:
    clock: FakeClock
    repo: FakeBatches
    events: FakeEvents
    epcis: FakeEpcisEvents
    places: FakeLocations
    users: FakeUsers
    batches: Batches
    lots: Lots
    documents: EpcisDocuments

    async def person(self, role: Role) -> Actor:
        user = await self.users.add(f"{uuid4().hex}@example.com", "X", role, "x", self.clock.now())
        return Actor(user.id, role)

    async def site(self, actor: Actor, kind: LocationKind) -> Location:
        now = self.clock.now()
        place = Location(uuid4(), actor.org, kind.value, kind, "MX", actor.id, now, now)
        await self.places.add(place)
        return place

    def forms(self, batch: Batch) -> list[dict[str, Any]]:
        return [event for b, _, event, _ in self.epcis.rows if b == batch.id]


@pytest.fixture
def world() -> World:
    clock, repo, events, epcis = FakeClock(), FakeBatches(), FakeEvents(), FakeEpcisEvents()
    users, places = FakeUsers(), FakeLocations()
    organisations = FakeOrganisations(users)
    freezer = Freezer(epcis, organisations, places)
    audit, uow, lineage = FakeAuditLog(), NullUnitOfWork(), FakeLineage(repo)
    outbox = FakeOutbox(FakeWebhooks())
    return World(
        clock, repo, events, epcis, places, users,
        Batches(
            repo, audit, uow, clock, events, users, organisations, places, freezer, outbox
        ),
        Lots(repo, lineage, events, audit, uow, clock, freezer, outbox),
        EpcisDocuments(repo, lineage, epcis, clock),
    )  # fmt: skip


@dataclass
class Family:
    producer: Actor
    buyer: Actor
    lot: Batch
    children: list[Batch]
    grandchildren: list[Batch]


@pytest.fixture
async def family(world: World) -> Family:
    """A lot grown at a farm, shipped from a packhouse to a buyer's warehouse, delivered, split
    by the buyer, and one of its parts split again."""
    producer, buyer = await world.person(Role.PRODUCER), await world.person(Role.BUYER)
    farm = await world.site(producer, LocationKind.FARM)
    packhouse = await world.site(producer, LocationKind.PACKHOUSE)
    warehouse = await world.site(buyer, LocationKind.WAREHOUSE)
    given = replace(new_batch(), origin_location_id=farm.id, gtin="7038010000065")
    lot = await world.batches.create(producer, given, CTX)
    world.clock.advance(hours=1)
    await world.batches.change_status(
        producer, lot.id, BatchStatus.IN_TRANSIT, "truck 7", CTX, recipient=str(buyer.id),
        ship_from=packhouse.id, ship_to=warehouse.id,
    )  # fmt: skip
    world.clock.advance(hours=1)
    await world.batches.change_status(buyer, lot.id, BatchStatus.DELIVERED, None, CTX)
    world.clock.advance(hours=1)
    _, children = await world.lots.split(
        buyer, lot.id, [Part(Decimal("1000")), Part(Decimal("250.5"))], CTX
    )
    world.clock.advance(hours=1)
    _, grandchildren = await world.lots.split(
        buyer, children[0].id, [Part(Decimal("600")), Part(Decimal("400"))], CTX
    )
    lot = world.repo.rows[lot.id]
    return Family(producer, buyer, lot, children, grandchildren)


def ids(events: list[dict[str, Any]]) -> list[str]:
    return [event["eventID"] for event in events]


def listed(document: dict[str, Any]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = document["epcisBody"]["eventList"]
    return events


async def test_each_event_is_frozen_with_its_batch_event_and_linked_to_the_lots_one_before(
    world: World, family: Family
) -> None:
    lot, child = family.lot, family.children[0]

    frozen = [(b, seq) for b, seq, _, _ in world.epcis.rows]
    registration, shipped, delivered, split = world.forms(lot)
    (child_split,) = world.forms(child)

    # A sub-lot's registration has no form: the split that made it is one.
    assert frozen == [(lot.id, 1), (lot.id, 2), (lot.id, 3), (lot.id, 4), (child.id, 2)]
    assert [e["bizStep"] for e in world.forms(lot)] == [
        "creating_class_instance",
        "shipping",
        "receiving",
        "creating_class_instance",
    ]
    assert PREVIOUS_EVENT_ID not in registration
    assert [shipped[PREVIOUS_EVENT_ID], delivered[PREVIOUS_EVENT_ID], split[PREVIOUS_EVENT_ID]] == (
        ids([registration, shipped, delivered])
    )
    # The sub-lot's first event links to the split that made it.
    assert child_split[PREVIOUS_EVENT_ID] == split["eventID"]
    # Sub-lots carry their parent's GTIN, as 14 digits.
    assert child.gtin == lot.gtin == "07038010000065"
    assert child_split["inputQuantityList"][0]["epcClass"].startswith(
        "https://id.gs1.org/01/07038010000065/10/"
    )


async def test_our_own_chain_records_what_it_always_did(world: World, family: Family) -> None:
    lot = family.lot
    chain = world.events.chains[lot.id]

    assert verify(chain).valid
    assert [e.type for e in chain] == ["created", "shipped", "delivered", "split"]
    assert chain[0].data == history.created(replace(lot, status=BatchStatus.REGISTERED))
    assert chain[1].data == history.status_changed(
        family.buyer.org, "truck 7", None, lot.ship_from_location_id, lot.ship_to_location_id
    )
    assert chain[3].data == history.split(family.children, SplitKind.DIVIDE)


async def test_a_sub_lots_document_holds_the_split_that_made_it_and_lineage_its_family(
    world: World, family: Family
) -> None:
    youngest = family.grandchildren[1]
    (child_split,) = world.forms(family.children[0])

    alone = await world.documents.of_batch(family.buyer, youngest.id)
    whole = await world.documents.of_batch(family.buyer, youngest.id, lineage=True)

    assert alone["type"] == "EPCISDocument"
    assert ids(listed(alone)) == ids([child_split])
    assert ids(listed(whole)) == ids([*world.forms(family.lot), child_split])


async def test_lineage_leaves_out_the_relatives_the_caller_may_not_see(
    world: World, family: Family
) -> None:
    # The grower sees its lot, not the parts the buyer made of it.
    document = await world.documents.of_batch(family.producer, family.lot.id, lineage=True)

    assert ids(listed(document)) == ids(world.forms(family.lot))


async def test_a_batch_of_another_organisation_is_not_found(world: World, family: Family) -> None:
    stranger = await world.person(Role.PRODUCER)

    with pytest.raises(NotFound):
        await world.documents.of_batch(stranger, family.lot.id)
    with pytest.raises(NotFound):
        await world.documents.of_batch(stranger, family.grandchildren[0].id, lineage=True)


async def test_only_a_public_lot_has_a_public_side(world: World, family: Family) -> None:
    producer = family.producer
    private = await world.batches.create(producer, new_batch(), CTX)

    with pytest.raises(NotFound):
        await world.documents.of_public_lot(private.public_code)
    with pytest.raises(NotFound):
        await world.documents.of_public_lot("\x00" * 3)
    shipped = await world.documents.of_public_lot(family.lot.public_code)
    assert ids(shipped) == ids(world.forms(family.lot))


async def test_a_gtin_is_checked_and_kept_as_fourteen_digits(world: World) -> None:
    producer = await world.person(Role.PRODUCER)

    made = await world.batches.create(producer, replace(new_batch(), gtin="96385074"), CTX)
    with pytest.raises(ValidationFailed) as refused:
        await world.batches.create(producer, replace(new_batch(), gtin="7038010000066"), CTX)

    assert made.gtin == "00000096385074"
    assert refused.value.details[0].field == "gtin"
