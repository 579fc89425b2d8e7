"""A batch event's EPCIS form, built from our domain objects as the use cases and migration 7
build it: what each event names, what is left out when it is not known, the lot's identifiers,
and that every form is valid under GS1's schema (docs/standards.md, "Freezing")."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from api.domain import history
from api.domain.batches import Batch, BatchStatus, Origin, Unit
from api.domain.custody import EventType
from api.domain.epcis.document import PREVIOUS_EVENT_ID, epcis_document
from api.domain.epcis.events import new_salt, to_epcis
from api.domain.epcis.freezing import epcis_input, has_form, named
from api.domain.epcis.hashing import event_hash
from api.domain.epcis.validation import schema_problems
from api.domain.events import BatchEvent, link
from api.domain.fsma.descriptions import ReferenceDocument
from api.domain.locations import Location, LocationKind
from api.domain.organisations import Activity, Organisation
from api.infrastructure.epcis_schema import load_schema

T0 = datetime(2026, 10, 3, 8, 15, 0, 250600, tzinfo=UTC)
PREVIOUS = "ni:///sha-256;" + "5e" * 32 + "?ver=CBV2.0"
E = EventType


def organisation(name: str, activity: Activity, gln: str | None = None) -> Organisation:
    return Organisation(uuid4(), name, "MX", frozenset({activity}), T0, T0, gln=gln)


def site(
    owner: Organisation, kind: LocationKind, gln: str | None = None, extension: str | None = None
) -> Location:
    return Location(
        uuid4(), owner.id, kind.value, kind, "MX", uuid4(), T0, T0, gln=gln,
        gln_extension=extension,
    )  # fmt: skip


GROWER = organisation("La Loma", Activity.PRODUCER, gln="7501234000017")
BUYER = organisation("Frische Import", Activity.BUYER)
FIELD = site(GROWER, LocationKind.FIELD, gln="7501234000017", extension="lote-3")
PACKHOUSE = site(GROWER, LocationKind.PACKHOUSE)
WAREHOUSE = site(BUYER, LocationKind.WAREHOUSE, gln="4006381333931")
ORGANISATIONS = {o.id: o for o in (GROWER, BUYER)}
LOCATIONS = {s.id: s for s in (FIELD, PACKHOUSE, WAREHOUSE)}

LOT = Batch(
    id=uuid4(), code="AGB-7K3Q-9XD2-M4TN", owner_id=GROWER.id, product="avocado",
    variety="Hass", origin=Origin("La Loma", "MX", "Michoacan"), harvest_date=date(2026, 10, 2),
    quantity=Decimal("1250.500"), unit=Unit.KG, status=BatchStatus.REGISTERED, created_at=T0,
    updated_at=T0, origin_location_id=FIELD.id, gtin="07038010000065",
)  # fmt: skip
SHIPPED = replace(
    LOT,
    status=BatchStatus.IN_TRANSIT,
    recipient_id=BUYER.id,
    ship_from_location_id=PACKHOUSE.id,
    ship_to_location_id=WAREHOUSE.id,
)
DELIVERED = replace(SHIPPED, status=BatchStatus.DELIVERED)
SPLIT = replace(DELIVERED, status=BatchStatus.SPLIT)
CHILDREN = [
    replace(LOT, id=uuid4(), code=code, quantity=Decimal(amount), parent_id=LOT.id)
    for code, amount in (("AGB-5HN3-WQ7C-2KDW", "1000"), ("AGB-2QX8-PZ4M-6TR3", "250.5"))
]


def event(batch: Batch, kind: EventType, data: dict[str, Any], hours: int = 0) -> BatchEvent:
    return link(batch.id, None, kind, T0 + timedelta(hours=hours), "producer", data)


def shipment(batch: Batch = SHIPPED) -> BatchEvent:
    data = history.status_changed(
        batch.recipient_id, "truck 7", None, batch.ship_from_location_id, batch.ship_to_location_id
    )
    return event(batch, E.SHIPPED, data, 1)


def form(batch: Batch, made: BatchEvent, previous: str | None = PREVIOUS) -> dict[str, Any]:
    given = epcis_input(batch, made, previous, ORGANISATIONS, LOCATIONS, new_salt())
    return to_epcis(given)


def uri(location: Location) -> str:
    return f"https://agrobridge.example/id/location/{location.id}"


REGISTRATION = event(LOT, E.CREATED, history.created(LOT))
SPLIT_EVENT = event(SPLIT, E.SPLIT, history.split(CHILDREN), 48)


def test_a_registration_is_seen_at_the_field_it_was_grown_in_with_its_lot_master_data():
    made = form(LOT, REGISTRATION, previous=None)

    assert (made["type"], made["action"]) == ("ObjectEvent", "ADD")
    assert made["eventTime"] == "2026-10-03T08:15:00.250+00:00"
    assert made["quantityList"] == [
        {
            "epcClass": "https://id.gs1.org/01/07038010000065/10/AGB-7K3Q-9XD2-M4TN",
            "quantity": 1250.5,
            "uom": "KGM",
        }
    ]
    assert (
        made["readPoint"]
        == made["bizLocation"]
        == {"id": "https://id.gs1.org/414/7501234000017/254/lote-3"}
    )
    assert made["ilmd"] == {
        "cbvmda:lotNumber": "AGB-7K3Q-9XD2-M4TN",
        "cbvmda:harvestStartDate": "2026-10-02",
        "cbvmda:harvestEndDate": "2026-10-02",
        "cbvmda:countryOfOrigin": "MX",
    }
    assert PREVIOUS_EVENT_ID not in made


def test_a_shipment_goes_from_the_owner_and_its_ship_from_site_to_the_recipient_and_its_site():
    made = form(SHIPPED, shipment())

    assert (made["action"], made["bizStep"], made["disposition"]) == (
        "OBSERVE",
        "shipping",
        "in_transit",
    )
    assert made["readPoint"] == {"id": uri(PACKHOUSE)}
    assert "bizLocation" not in made  # in transit
    assert made["sourceList"] == [
        {"type": "owning_party", "source": "https://id.gs1.org/417/7501234000017"},
        {"type": "location", "source": uri(PACKHOUSE)},
    ]
    assert made["destinationList"] == [
        {
            "type": "owning_party",
            "destination": f"https://agrobridge.example/id/organisation/{BUYER.id}",
        },
        {"type": "location", "destination": "https://id.gs1.org/414/4006381333931"},
    ]
    assert made[PREVIOUS_EVENT_ID] == PREVIOUS
    assert "truck 7" not in str(made)  # notes stay in our own chain


def test_a_delivery_and_a_rejection_are_seen_at_the_recipients_site():
    delivered = form(DELIVERED, event(DELIVERED, E.DELIVERED, history.status_changed(), 2))
    rejected = form(
        replace(SHIPPED, status=BatchStatus.REJECTED),
        event(SHIPPED, E.REJECTED, history.status_changed(reason="bruised"), 2),
    )

    warehouse = {"id": "https://id.gs1.org/414/4006381333931"}
    assert (delivered["bizStep"], delivered["readPoint"], delivered["bizLocation"]) == (
        "receiving",
        warehouse,
        warehouse,
    )
    assert delivered["sourceList"] == form(SHIPPED, shipment())["sourceList"]
    assert (rejected["bizStep"], rejected["disposition"]) == ("inspecting", "non_conformant")
    assert rejected["readPoint"] == rejected["bizLocation"] == warehouse
    assert "sourceList" not in rejected
    assert "bruised" not in str(rejected)


def test_a_split_takes_the_lot_in_and_its_sub_lots_out_where_it_lies():
    made = form(SPLIT, SPLIT_EVENT)

    assert made["type"] == "TransformationEvent"
    assert made["inputQuantityList"] == form(LOT, REGISTRATION, None)["quantityList"]
    assert made["outputQuantityList"] == [
        {
            "epcClass": "https://id.gs1.org/01/07038010000065/10/AGB-5HN3-WQ7C-2KDW",
            "quantity": 1000,
            "uom": "KGM",
        },
        {
            "epcClass": "https://id.gs1.org/01/07038010000065/10/AGB-2QX8-PZ4M-6TR3",
            "quantity": 250.5,
            "uom": "KGM",
        },
    ]
    # Delivered before it was split: it lies at the buyer's warehouse.
    assert (
        made["readPoint"] == made["bizLocation"] == {"id": "https://id.gs1.org/414/4006381333931"}
    )
    assert "cbvmda:lotNumber" not in made["ilmd"]
    assert made["ilmd"]["cbvmda:countryOfOrigin"] == "MX"


def test_a_cancelled_lot_is_seen_where_it_was_grown():
    cancelled = replace(LOT, status=BatchStatus.CANCELLED)

    made = form(cancelled, event(cancelled, E.CANCELLED, history.status_changed(), 3))

    assert (made["action"], made["bizStep"]) == ("DELETE", "decommissioning")
    assert made["readPoint"] == {"id": "https://id.gs1.org/414/7501234000017/254/lote-3"}


def test_a_sub_lots_registration_and_a_transaction_record_have_no_form():
    child = CHILDREN[0]
    registered = event(child, E.CREATED, history.created(child, parent_code=LOT.code))
    anchored = event(LOT, E.TRANSACTION_RECORDED, {"tx_hash": "0x" + "ab" * 32}, 5)

    assert has_form(LOT, REGISTRATION)
    assert not has_form(child, registered)
    assert not has_form(LOT, anchored)
    with pytest.raises(ValueError, match="no EPCIS form"):
        form(child, registered)


def test_what_is_not_known_is_left_out_never_guessed():
    # Shipped before custody and locations: no recipient, no sites.
    bare = replace(LOT, status=BatchStatus.IN_TRANSIT, origin_location_id=None)
    old_shipment = event(bare, E.SHIPPED, history.status_changed(note="truck 7"), 1)
    # A sub-lot never shipped lies where it was split, which it does not record.
    child = replace(CHILDREN[0], status=BatchStatus.SPLIT)
    child_split = event(child, E.SPLIT, history.split([replace(LOT, code="AGB-X1"), LOT]), 72)

    shipped, split = form(bare, old_shipment), form(child, child_split)

    assert shipped["sourceList"] == [
        {"type": "owning_party", "source": "https://id.gs1.org/417/7501234000017"}
    ]
    assert "destinationList" not in shipped
    assert "readPoint" not in shipped
    assert "readPoint" not in split
    assert "bizLocation" not in split
    # A site or a party no longer found is left out too.
    alone = epcis_input(SHIPPED, shipment(), PREVIOUS, {}, {}, new_salt())
    assert (alone.source_party, alone.destination_location, alone.read_point) == (None,) * 3


def test_a_lot_without_a_gtin_is_named_under_our_own_host():
    made = form(replace(LOT, gtin=None), REGISTRATION, None)

    assert made["quantityList"][0]["epcClass"] == (
        "https://agrobridge.example/id/lot/AGB-7K3Q-9XD2-M4TN"
    )


def test_the_event_names_what_named_lists_and_nothing_else():
    assert named(LOT, REGISTRATION).locations == {FIELD.id}
    assert named(SHIPPED, shipment()).organisations == {GROWER.id, BUYER.id}
    assert named(SHIPPED, shipment()).locations == {PACKHOUSE.id, WAREHOUSE.id}
    assert named(SPLIT, SPLIT_EVENT).locations == {WAREHOUSE.id}
    assert named(SPLIT, SPLIT_EVENT).organisations == frozenset()


def shipped_under(kind: str, number: str) -> dict[str, Any]:
    data = history.status_changed(
        BUYER.id, None, None, PACKHOUSE.id, WAREHOUSE.id, ReferenceDocument(kind, number)
    )
    return form(SHIPPED, event(SHIPPED, E.SHIPPED, data, 1))


def test_a_shipment_names_the_document_it_travels_under_as_a_business_transaction():
    made = shipped_under("bill_of_lading", "BOL 2031/0042")
    own = shipped_under("Lieferschein", "LS-77")

    assert made["bizTransactionList"] == [
        {
            "type": "bol",
            "bizTransaction": "https://agrobridge.example/id/document/"
            f"{GROWER.id}/bill_of_lading/BOL%202031%2F0042",
        }
    ]
    # A type CBV has no word for is named by a URI of ours, as EPCIS allows.
    assert own["bizTransactionList"][0]["type"] == (
        "https://agrobridge.example/id/document-type/Lieferschein"
    )
    problems = schema_problems(epcis_document([made, own], T0 + timedelta(days=1)), load_schema())
    assert problems == []
    for each in (made, own):
        assert event_hash(each) == each["eventID"]
    # Only the shipment carries it: nothing else recorded one.
    assert "bizTransactionList" not in form(SHIPPED, shipment())


def test_the_ids_a_shipment_recorded_win_over_the_batch():
    elsewhere = uuid4()
    data = history.status_changed(BUYER.id, ship_to_location_id=WAREHOUSE.id)
    made = event(SHIPPED, E.SHIPPED, data, 1)

    assert named(replace(SHIPPED, ship_to_location_id=elsewhere), made).locations == {
        PACKHOUSE.id,
        WAREHOUSE.id,
    }


def test_a_lots_whole_life_is_valid_under_gs1s_schema_and_every_event_id_its_hash():
    registration = form(LOT, REGISTRATION, None)
    shipped = form(SHIPPED, shipment(), registration["eventID"])
    delivered = form(
        DELIVERED, event(DELIVERED, E.DELIVERED, history.status_changed(), 2), shipped["eventID"]
    )
    split = form(SPLIT, SPLIT_EVENT, delivered["eventID"])
    life = [registration, shipped, delivered, split]

    problems = schema_problems(epcis_document(life, T0 + timedelta(days=3)), load_schema())

    assert problems == []
    for made in life:
        assert event_hash(made) == made["eventID"]
    assert [e.get(PREVIOUS_EVENT_ID) for e in life] == [None, *(e["eventID"] for e in life[:-1])]
