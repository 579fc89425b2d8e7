"""Our stored events as the FSMA 204 mapping's inputs: which lot code a part carries after a
divide or a repack, where a split happened, which document a receipt names, and what a place
without a location still says."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from api.application.fsma_inputs import Reader, reference_of, split_kind_of
from api.domain import history
from api.domain.batches import Batch, BatchStatus, NewBatch, Origin, SplitKind, Unit
from api.domain.events import EventData
from api.domain.fsma.descriptions import ReferenceDocument
from api.domain.fsma.events import Receipt, Registration, Shipment, Split
from api.domain.fsma.mapping import rows_for
from api.domain.fsma.sources import StoredEvent
from api.domain.locations import Location, LocationKind
from api.domain.organisations import Activity, NewOrganisation
from tests.support.fakes import FakeBatches, FakeLocations, FakeOrganisations, FakeUsers

AT = datetime(2031, 5, 2, 8, 15, tzinfo=UTC)
BOL: EventData = {"reference_document": {"type": "bill_of_lading", "number": "BOL-1"}}


def new_batch(**fields: object) -> NewBatch:
    made = NewBatch(
        "romaine", Origin("La Loma", "MX", "Michoacan"), date(2026, 10, 2), Decimal("1250.500"),
        Unit.KG,
    )  # fmt: skip
    return replace(made, **fields)  # type: ignore[arg-type]


class World:
    def __init__(self) -> None:
        self.batches, self.locations = FakeBatches(), FakeLocations()
        self.organisations = FakeOrganisations(FakeUsers())
        self.reader = Reader(self.batches, self.locations, self.organisations)

    async def organisation(self, name: str) -> UUID:
        new = NewOrganisation(name, "MX", frozenset({Activity.PRODUCER}), phone="+52 1")
        return (await self.organisations.add(new, AT)).id

    async def site(self, org: UUID, kind: LocationKind, **fields: object) -> Location:
        place = Location(
            uuid4(), org, f"{kind.value} site", kind, "MX", org, AT, AT, street="Km 12",
            city="Uruapan", region="Michoacan", postal_code="60000", **fields,  # type: ignore[arg-type]
        )  # fmt: skip
        await self.locations.add(place)
        return place

    async def lot(self, owner: UUID, code: str, **fields: object) -> Batch:
        return await self.batches.add(owner, new_batch(**fields), code, AT)

    async def received(self, batch: Batch, buyer: UUID, warehouse: Location) -> Batch:
        moved = replace(
            batch, status=BatchStatus.DELIVERED, recipient_id=buyer,
            ship_to_location_id=warehouse.id,
        )  # fmt: skip
        await self.batches.save_status(moved)
        return moved

    async def parts(self, parent: Batch, kind: SplitKind | None, *codes: str) -> list[Batch]:
        made = []
        for code in codes:
            new = new_batch(quantity=Decimal("100.000"), split_kind=kind)
            made.append(await self.batches.add(parent.owner_id, new, code, AT, parent.id))
        return made


@pytest.fixture
async def world() -> World:
    return World()


async def test_a_divided_part_ships_under_its_lots_code_and_a_repacked_one_under_its_own(
    world: World,
) -> None:
    grower, buyer = await world.organisation("Finca"), await world.organisation("Frescos")
    farm = await world.site(grower, LocationKind.FARM)
    warehouse = await world.site(buyer, LocationKind.WAREHOUSE)
    root = await world.received(
        await world.lot(grower, "ROOT-1", origin_location_id=farm.id), buyer, warehouse
    )
    (repacked,) = await world.parts(root, SplitKind.REPACK, "PACK-1")
    (divided,) = await world.parts(repacked, SplitKind.DIVIDE, "PART-1")
    (before_kinds,) = await world.parts(root, None, "OLD-1")

    lots = {b.code: await world.reader.lot(b) for b in (root, repacked, divided, before_kinds)}

    assert lots["ROOT-1"].code == "ROOT-1"
    assert lots["ROOT-1"].source
    assert lots["ROOT-1"].source.location
    assert lots["ROOT-1"].source.location.site_name == farm.name
    # Repacked where the lot was received: a new code, assigned at the buyer's warehouse.
    assert lots["PACK-1"].code == "PACK-1"
    assert lots["PACK-1"].source
    assert lots["PACK-1"].source.location
    assert lots["PACK-1"].source.location.site_name == warehouse.name
    assert lots["PART-1"] == lots["PACK-1"]
    assert lots["OLD-1"] == lots["ROOT-1"]


async def test_a_split_event_becomes_a_split_of_its_recorded_kind(world: World) -> None:
    grower = await world.organisation("Finca")
    root = await world.lot(grower, "ROOT-2")
    children = await world.parts(root, SplitKind.REPACK, "A-2", "B-2")
    recorded = history.split(children, SplitKind.REPACK)

    (split,) = await world.reader.inputs(StoredEvent(1, root, "split", AT, recorded))
    (old,) = await world.reader.inputs(StoredEvent(2, root, "split", AT, history.split(children)))

    assert isinstance(split, Split)
    assert split.kind is SplitKind.REPACK
    assert [(p.code, p.quantity and p.quantity.amount) for p in split.parts] == [
        ("A-2", Decimal("100.000")), ("B-2", Decimal("100.000")),
    ]  # fmt: skip
    assert [row.traceability_lot_code for row in rows_for(split)] == ["A-2", "B-2"]
    assert isinstance(old, Split)
    assert old.kind is SplitKind.DIVIDE
    assert rows_for(old) == ()


async def test_a_receipt_names_its_shipments_document_and_both_ends(world: World) -> None:
    grower, buyer = await world.organisation("Finca"), await world.organisation("Frescos")
    farm = await world.site(grower, LocationKind.FARM, phone="+52 2")
    warehouse = await world.site(buyer, LocationKind.WAREHOUSE)
    batch = await world.lot(grower, "ROOT-3", origin_location_id=farm.id)
    shipped = replace(
        batch, recipient_id=buyer, ship_from_location_id=farm.id, ship_to_location_id=warehouse.id
    )
    data: EventData = history.status_changed(buyer, None, None, farm.id, warehouse.id) | BOL

    (shipment,) = await world.reader.inputs(StoredEvent(1, shipped, "shipped", AT, data))
    (receipt,) = await world.reader.inputs(StoredEvent(2, shipped, "delivered", AT, {}, data))

    assert isinstance(shipment, Shipment)
    assert isinstance(receipt, Receipt)
    assert shipment.reference == receipt.reference == ReferenceDocument("bill_of_lading", "BOL-1")
    assert shipment.ship_from == receipt.previous_source
    assert shipment.ship_to == receipt.receiving_location
    assert receipt.receiving_location
    assert receipt.receiving_location.complete
    assert receipt.previous_source
    assert receipt.previous_source.phone == "+52 2"


async def test_a_place_without_a_location_is_described_as_far_as_known(world: World) -> None:
    grower, buyer = await world.organisation("Finca"), await world.organisation("Frescos")
    batch = replace(await world.lot(grower, "ROOT-4"), recipient_id=buyer)
    data = history.status_changed(buyer)

    (shipment,) = await world.reader.inputs(StoredEvent(1, batch, "shipped", AT, data))
    (row,) = rows_for(shipment)

    assert isinstance(shipment, Shipment)
    assert shipment.ship_to
    assert shipment.ship_to.business_name == "Frescos"
    assert row.ship_to
    assert row.ship_to.startswith("Frescos")
    assert "subsequent_recipient_location" in row.missing_kdes
    assert "reference_document" in row.missing_kdes


async def test_a_harvest_at_a_field_names_its_farm_and_a_sub_lots_creation_makes_nothing(
    world: World,
) -> None:
    grower = await world.organisation("Finca")
    farm = await world.site(grower, LocationKind.FARM)
    field = await world.site(grower, LocationKind.FIELD, parent_id=farm.id)
    root = await world.lot(grower, "ROOT-5", origin_location_id=field.id)
    (part,) = await world.parts(root, SplitKind.DIVIDE, "PART-5")

    (registration,) = await world.reader.inputs(StoredEvent(1, root, "created", AT, {}))
    nothing = await world.reader.inputs(StoredEvent(2, part, "created", AT, {}))

    assert isinstance(registration, Registration)
    assert registration.site_kind is LocationKind.FIELD
    assert registration.farm
    assert registration.farm.site_name == farm.name
    assert registration.harvest_date == date(2026, 10, 2)
    assert nothing == []


def test_documents_and_kinds_are_read_only_when_well_formed() -> None:
    assert reference_of(BOL) == ReferenceDocument("bill_of_lading", "BOL-1")
    assert reference_of({"reference_document": {"type": "po"}}) is None
    assert reference_of({"reference_document": "BOL-1"}) is None
    assert reference_of(None) is None
    assert split_kind_of({"kind": "repack"}) is SplitKind.REPACK
    assert split_kind_of({"kind": "shred"}) is SplitKind.DIVIDE
    assert split_kind_of({}) is SplitKind.DIVIDE
