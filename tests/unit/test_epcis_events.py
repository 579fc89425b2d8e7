"""Our batch events as EPCIS 2.0 events: the mapping, the times, the eventID and the links that
chain a lot's events, through splits, back to its registration."""

import random
import secrets
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from api.domain.batches import Unit
from api.domain.custody import EventType
from api.domain.epcis.document import PREVIOUS_EVENT_ID, SALT
from api.domain.epcis.events import (
    BizTransaction,
    EpcisInput,
    Ilmd,
    Quantity,
    event_body,
    new_salt,
    to_epcis,
)
from api.domain.epcis.hashing import event_hash
from api.domain.epcis.identifiers import lot_uri
from tests.support.epcis import HOST, INPUTS, PREVIOUS

E = EventType


def make(given: EpcisInput) -> dict[str, Any]:
    return to_epcis(given)


@pytest.mark.parametrize(
    ("ours", "type_", "action", "biz_step", "disposition"),
    [
        (E.CREATED, "ObjectEvent", "ADD", "creating_class_instance", "active"),
        (E.SHIPPED, "ObjectEvent", "OBSERVE", "shipping", "in_transit"),
        (E.CANCELLED, "ObjectEvent", "DELETE", "decommissioning", "inactive"),
        (E.DELIVERED, "ObjectEvent", "OBSERVE", "receiving", "in_progress"),
        (E.REJECTED, "ObjectEvent", "OBSERVE", "inspecting", "non_conformant"),
        (E.SPLIT, "TransformationEvent", None, "creating_class_instance", "active"),
    ],
)
def test_each_event_is_the_epcis_event_of_the_table(ours, type_, action, biz_step, disposition):
    event = make(INPUTS[ours])

    assert event["type"] == type_
    assert event.get("action") == action
    assert (event["bizStep"], event["disposition"]) == (biz_step, disposition)


def test_a_registration_carries_its_lot_master_data_and_a_split_its_outputs():
    registration = make(INPUTS[E.CREATED])
    split = make(INPUTS[E.SPLIT])

    assert registration["ilmd"] == {
        "cbvmda:lotNumber": "AGB-7K3Q-9XD2-M4TN",
        "cbvmda:harvestStartDate": "2025-04-30",
        "cbvmda:harvestEndDate": "2025-04-30",
        "cbvmda:countryOfOrigin": "MX",
    }
    assert registration["quantityList"] == [
        {
            "epcClass": "https://id.gs1.org/01/07038010000065/10/AGB-7K3Q-9XD2-M4TN",
            "quantity": 1200.5,
            "uom": "KGM",
        }
    ]
    assert [q["quantity"] for q in split["outputQuantityList"]] == [700, 500.5]
    assert "quantityList" not in split
    assert "cbvmda:lotNumber" not in split["ilmd"]


def test_a_shipment_names_both_ends_and_its_despatch_advice():
    shipment = make(INPUTS[E.SHIPPED])

    assert [end["type"] for end in shipment["sourceList"]] == ["owning_party", "location"]
    assert shipment["destinationList"][0] == {
        "type": "owning_party",
        "destination": INPUTS[E.SHIPPED].destination_party,
    }
    assert shipment["bizTransactionList"] == [
        {"type": "desadv", "bizTransaction": INPUTS[E.SHIPPED].biz_transactions[0].uri}
    ]


def test_a_transaction_record_is_not_an_epcis_event():
    given = replace(INPUTS[E.SHIPPED], event=E.TRANSACTION_RECORDED)

    with pytest.raises(ValueError, match="not an EPCIS event"):
        make(given)


@pytest.mark.parametrize(("unit", "uom"), [(Unit.KG, "KGM"), (Unit.T, "TNE"), (Unit.LB, "LBR")])
def test_quantities_are_in_un_ece_units(unit, uom):
    given = replace(
        INPUTS[E.CREATED], quantities=(Quantity("https://x.example/l", Decimal(2), unit),)
    )

    assert make(given)["quantityList"] == [
        {"epcClass": "https://x.example/l", "quantity": 2, "uom": uom}
    ]


def test_the_event_time_keeps_its_own_offset_to_the_millisecond():
    mexico = timezone(timedelta(hours=-6))
    at = datetime(2025, 5, 1, 8, 30, 59, 999999, tzinfo=mexico)

    event = make(replace(INPUTS[E.CREATED], at=at))

    assert event["eventTime"] == "2025-05-01T08:30:59.999-06:00"
    assert event["eventTimeZoneOffset"] == "-06:00"


def test_a_utc_time_is_written_plus_zero_never_z():
    event = make(replace(INPUTS[E.CREATED], at=datetime(2025, 5, 1, 14, 30, tzinfo=UTC)))

    assert event["eventTime"] == "2025-05-01T14:30:00.000+00:00"
    assert event["eventTimeZoneOffset"] == "+00:00"


def test_a_time_without_its_offset_is_refused():
    with pytest.raises(ValueError, match="offset"):
        make(replace(INPUTS[E.CREATED], at=datetime(2025, 5, 1, 14, 30)))


def test_the_event_id_is_the_gs1_hash_of_the_event_and_excludes_itself():
    event = make(INPUTS[E.SHIPPED])
    without = {key: value for key, value in event.items() if key != "eventID"}

    assert event["eventID"] == event_hash(without) == event_hash(event)
    assert without == event_body(INPUTS[E.SHIPPED])
    assert make(INPUTS[E.SHIPPED])["eventID"] == event["eventID"]


def test_another_salt_gives_another_event_id():
    given = INPUTS[E.SHIPPED]

    assert make(replace(given, salt=new_salt()))["eventID"] != make(given)["eventID"]


def test_another_previous_event_gives_another_event_id():
    given = INPUTS[E.SHIPPED]
    other = "ni:///sha-256;" + "6f" * 32 + "?ver=CBV2.0"

    assert make(replace(given, previous_event_id=other))["eventID"] != make(given)["eventID"]


def test_salts_are_128_random_bits_in_hex():
    salts = {new_salt() for _ in range(100)}

    assert len(salts) == 100
    assert all(len(salt) == 32 and int(salt, 16) >= 0 for salt in salts)


def test_salts_of_digits_only_hash_alike_so_none_is_drawn_and_none_accepted(monkeypatch):
    body = event_body(INPUTS[E.SHIPPED])
    digits = "31415926535897932384626433832795"
    # The hash tool reads them as numbers and keeps 17 significant digits.
    assert event_hash(body | {SALT: digits}) == event_hash(body | {SALT: digits[:-1] + "6"})

    draws = iter([digits, "1e10" + "0" * 28, "a" + digits[1:]])
    monkeypatch.setattr(secrets, "token_hex", lambda n: next(draws))
    assert new_salt() == "a" + digits[1:]
    with pytest.raises(ValueError, match="salt"):
        make(replace(INPUTS[E.SHIPPED], salt=digits))


def test_only_a_registration_goes_without_a_previous_event():
    with pytest.raises(ValueError, match="previous event"):
        make(replace(INPUTS[E.SHIPPED], previous_event_id=None))
    with pytest.raises(ValueError, match="previous event"):
        make(replace(INPUTS[E.CREATED], previous_event_id=PREVIOUS))
    assert PREVIOUS_EVENT_ID not in make(INPUTS[E.CREATED])
    assert make(INPUTS[E.SHIPPED])[PREVIOUS_EVENT_ID] == PREVIOUS


def test_lot_master_data_goes_only_where_a_lot_is_made():
    harvest = INPUTS[E.CREATED].ilmd

    with pytest.raises(ValueError, match="no lot master data"):
        make(replace(INPUTS[E.SHIPPED], ilmd=harvest))
    with pytest.raises(ValueError, match="several sub-lots"):
        make(replace(INPUTS[E.SPLIT], ilmd=harvest))


def test_only_a_split_has_outputs():
    with pytest.raises(ValueError, match="outputs"):
        make(replace(INPUTS[E.SPLIT], outputs=()))
    with pytest.raises(ValueError, match="outputs"):
        make(replace(INPUTS[E.SHIPPED], outputs=INPUTS[E.SPLIT].outputs))


def test_a_business_transaction_type_is_a_cbv_word_or_a_uri():
    mine = BizTransaction("https://agrobridge.example/btt/contract", "urn:example:contract:1")

    assert make(replace(INPUTS[E.SHIPPED], biz_transactions=(mine,)))
    with pytest.raises(ValueError, match="business transaction type"):
        make(replace(INPUTS[E.SHIPPED], biz_transactions=(BizTransaction("invoice", "urn:x:1"),)))


# A lot split three levels deep, each input built by hand as the next step will from the chain.


def lot(code: str) -> str:
    return lot_uri(HOST, code)


def kg(code: str, amount: str) -> Quantity:
    return Quantity(lot(code), Decimal(amount), Unit.KG)


def split(
    at: datetime, parent: Quantity, children: tuple[Quantity, ...], previous: dict[str, Any]
) -> dict[str, Any]:
    return make(
        EpcisInput(
            E.SPLIT,
            at,
            (parent,),
            new_salt(),
            previous_event_id=previous["eventID"],
            outputs=children,
            ilmd=Ilmd(date(2025, 4, 30), "MX"),
        )
    )


def walk_back(
    store: dict[str, dict[str, Any]], event: dict[str, Any], lot_class: str
) -> list[dict[str, Any]]:
    """From `event` to the registration of the lot it descends from, following the previous
    links and checking, at each step, that the event is intact and is about the lot followed."""
    path = [event]
    while True:
        assert event_hash(event) == event["eventID"], "an event changed after it was made"
        if event["type"] == "TransformationEvent":
            assert lot_class in [q["epcClass"] for q in event["outputQuantityList"]]
            (parent,) = event["inputQuantityList"]
            lot_class = parent["epcClass"]
        else:
            assert lot_class in [q["epcClass"] for q in event["quantityList"]]
        previous = event.get(PREVIOUS_EVENT_ID)
        if previous is None:
            return path
        event = store[previous]
        path.append(event)


def test_the_youngest_sub_lot_of_a_three_level_split_links_back_to_the_registration():
    t = datetime(2025, 5, 1, 8, 0, tzinfo=timezone(timedelta(hours=-6)))
    harvest = Ilmd(date(2025, 4, 30), "MX", "ROOT-1")
    registration = make(EpcisInput(E.CREATED, t, (kg("ROOT-1", "1200"),), new_salt(), ilmd=harvest))
    first = split(
        t + timedelta(days=1), kg("ROOT-1", "1200"), (kg("A", "700"), kg("B", "500")), registration
    )
    second = split(t + timedelta(days=2), kg("A", "700"), (kg("A1", "400"), kg("A2", "300")), first)
    third = split(
        t + timedelta(days=3), kg("A1", "400"), (kg("A1X", "250"), kg("A1Y", "150")), second
    )
    shipped = make(
        EpcisInput(
            E.SHIPPED, t + timedelta(days=4), (kg("A1X", "250"),), new_salt(), third["eventID"]
        )
    )
    made = [registration, first, second, third, shipped]
    shuffled = random.sample(made, len(made))
    store = {event["eventID"]: event for event in shuffled}

    path = walk_back(store, shipped, lot("A1X"))

    assert path == [shipped, third, second, first, registration]
    assert (path[-1]["action"], path[-1]["bizStep"]) == ("ADD", "creating_class_instance")
    assert path[-1]["quantityList"][0]["epcClass"] == lot("ROOT-1")


def test_an_event_whose_link_was_changed_no_longer_matches_its_event_id():
    shipment = make(INPUTS[E.SHIPPED])
    relinked = shipment | {PREVIOUS_EVENT_ID: "ni:///sha-256;" + "00" * 32 + "?ver=CBV2.0"}

    assert event_hash(relinked) != relinked["eventID"]
