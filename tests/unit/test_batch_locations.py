"""Batches name locations: where a lot was grown, and where its shipment leaves from and goes to."""

from dataclasses import replace
from uuid import uuid4

import pytest

from api.application.batches import Batches
from api.application.epcis import Freezer
from api.application.locations import Locations
from api.domain.batches import BatchStatus, Origin
from api.domain.errors import ValidationFailed
from api.domain.events import verify
from api.domain.locations import Location, LocationKind, NewLocation
from api.domain.users import Actor, Role
from tests.support.builders import CTX, new_batch
from tests.support.fake_webhooks import FakeOutbox, FakeWebhooks
from tests.support.fakes import (
    FakeAuditLog,
    FakeBatches,
    FakeClock,
    FakeEpcisEvents,
    FakeEvents,
    FakeLocations,
    FakeOrganisations,
    FakeUsers,
    NullUnitOfWork,
)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def users():
    return FakeUsers()


@pytest.fixture
def places():
    return FakeLocations()


@pytest.fixture
def events():
    return FakeEvents()


@pytest.fixture
def batches(clock, users, places, events):
    organisations = FakeOrganisations(users)
    freezer = Freezer(FakeEpcisEvents(), organisations, places)
    return Batches(
        FakeBatches(), FakeAuditLog(), NullUnitOfWork(), clock, events, users, organisations,
        places, freezer, FakeOutbox(FakeWebhooks()),
    )  # fmt: skip


@pytest.fixture
def locations(batches, places, clock):
    return Locations(places, batches.organisations, FakeAuditLog(), NullUnitOfWork(), clock)


@pytest.fixture
def person(users, clock):
    async def make(role: Role) -> Actor:
        user = await users.add(f"{uuid4().hex}@example.com", "Someone", role, "x", clock.now())
        return Actor(user.id, role)

    return make


@pytest.fixture
async def producer(person):
    return await person(Role.PRODUCER)


@pytest.fixture
async def buyer(person):
    return await person(Role.BUYER)


@pytest.fixture
def site(locations):
    async def make(
        actor: Actor, name: str = "La Loma", region: str | None = "Michoacan"
    ) -> Location:
        new = NewLocation(name, LocationKind.FARM, "MX", region=region)
        made: Location = await locations.create(actor, actor.id, new, CTX)
        return made

    return make


async def test_a_batch_from_a_location_takes_its_origin_from_it(batches, producer, site):
    farm = await site(producer)

    batch = await batches.create(
        producer, replace(new_batch(), origin=None, origin_location_id=farm.id), CTX
    )

    assert batch.origin == Origin("La Loma", "MX", "Michoacan")
    assert batch.origin_location_id == farm.id
    assert batch.created_by == producer.id


async def test_an_origin_given_wins_but_the_location_is_kept(batches, producer, site):
    farm = await site(producer)
    given = new_batch()

    batch = await batches.create(producer, replace(given, origin_location_id=farm.id), CTX)

    assert batch.origin == given.origin
    assert batch.origin_location_id == farm.id


async def test_an_origin_location_must_be_an_active_one_of_the_producer(
    batches, locations, producer, person, site
):
    theirs = await site(await person(Role.PRODUCER))
    archived = await site(producer, "Vieja")
    await locations.archive(producer, producer.id, archived.id, CTX)

    for location_id in (theirs.id, archived.id, uuid4()):
        with pytest.raises(ValidationFailed) as refused:
            await batches.create(
                producer, replace(new_batch(), origin_location_id=location_id), CTX
            )
        assert refused.value.details[0].field == "origin_location_id"


async def test_a_batch_without_origin_or_origin_location_is_refused(batches, producer):
    with pytest.raises(ValidationFailed) as refused:
        await batches.create(producer, replace(new_batch(), origin=None), CTX)

    assert refused.value.details[0].field == "origin"


async def test_a_shipment_keeps_its_locations_and_names_them_in_its_event(
    batches, events, producer, buyer, site
):
    packhouse, warehouse = await site(producer, "Empaque"), await site(buyer, "Bodega")
    batch = await batches.create(producer, new_batch(), CTX)

    shipped = await batches.change_status(
        producer, batch.id, BatchStatus.IN_TRANSIT, "truck 7", CTX,
        recipient=str(buyer.id), ship_from=packhouse.id, ship_to=warehouse.id,
    )  # fmt: skip

    assert (shipped.ship_from_location_id, shipped.ship_to_location_id) == (
        packhouse.id,
        warehouse.id,
    )
    assert await batches.get(producer, batch.id) == shipped
    chain = await events.chain(batch.id)
    assert chain[-1].data == {
        "recipient_id": str(buyer.id),
        "note": "truck 7",
        "ship_from_location_id": str(packhouse.id),
        "ship_to_location_id": str(warehouse.id),
    }
    assert verify(chain, []).valid


async def test_a_shipment_without_locations_records_what_it_always_has(
    batches, events, producer, buyer
):
    batch = await batches.create(producer, new_batch(), CTX)

    shipped = await batches.change_status(
        producer, batch.id, BatchStatus.IN_TRANSIT, None, CTX, recipient=str(buyer.id)
    )

    assert (shipped.ship_from_location_id, shipped.ship_to_location_id) == (None, None)
    assert (await events.chain(batch.id))[-1].data == {"recipient_id": str(buyer.id)}


async def test_shipment_locations_must_belong_to_the_shipper_and_the_recipient(
    batches, producer, buyer, person, site
):
    mine, theirs = await site(producer, "Empaque"), await site(buyer, "Bodega")
    elsewhere = await site(await person(Role.BUYER), "Otra")
    batch = await batches.create(producer, new_batch(), CTX)

    for ship_from, ship_to, field in (
        (theirs.id, None, "ship_from_location_id"),
        (None, mine.id, "ship_to_location_id"),
        (None, elsewhere.id, "ship_to_location_id"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            await batches.change_status(
                producer, batch.id, BatchStatus.IN_TRANSIT, None, CTX,
                recipient=str(buyer.id), ship_from=ship_from, ship_to=ship_to,
            )  # fmt: skip
        assert refused.value.details[0].field == field
    assert (await batches.get(producer, batch.id)).status == BatchStatus.REGISTERED


async def test_locations_are_named_only_when_shipping(batches, producer, site):
    farm = await site(producer)
    batch = await batches.create(producer, new_batch(), CTX)

    with pytest.raises(ValidationFailed) as refused:
        await batches.change_status(
            producer, batch.id, BatchStatus.CANCELLED, None, CTX, ship_from=farm.id
        )

    assert refused.value.details[0].field == "ship_from_location_id"
