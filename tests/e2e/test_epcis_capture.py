"""EPCIS capture against the running server (docs/API.md, "EPCIS capture"): a grower's system
captures a shipping event for its lot to a buyer named by GLN, and the lot ships; the buyer's
system captures the receiving, and it is delivered. What is stored validates under GS1's schema
and every eventID is what GS1's reference hash computes. A bad capture is a 400 naming the
event, and leaves nothing behind: no status change, no EPCIS event, no job."""

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from api.domain.epcis.document import EPCIS_CONTEXT_URL, PREVIOUS_EVENT_ID
from api.domain.epcis.hashing import document_hashes
from api.domain.epcis.validation import schema_problems
from api.infrastructure.epcis_schema import load_schema
from tests.e2e.conftest import assert_error, batch_body, sign_up
from tests.e2e.test_clients import client_auth, organisation_of, register_client
from tests.support.builders import random_gln

pytestmark = pytest.mark.e2e

Auth = dict[str, str]
GTIN = "7038010000065"
LD = {"Content-Type": "application/ld+json"}


def now(offset: str = "+00:00", later: int = 0) -> str:
    """An event time after the lot's registration (a document lists events as they happened)."""
    hours = int(offset[:3])
    at = datetime.now(UTC) + timedelta(minutes=later)
    return at.astimezone(timezone(timedelta(hours=hours))).isoformat(timespec="milliseconds")


def shipping(lot: str, to: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": now("-06:00", 1),
        "eventTimeZoneOffset": "-06:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "quantityList": [{"epcClass": lot, "quantity": 1250.5, "uom": "KGM"}],
        "destinationList": [{"type": "owning_party", "destination": to}],
        **extra,
    }


def receiving(lot: str) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": now("+02:00", 2),
        "eventTimeZoneOffset": "+02:00",
        "action": "OBSERVE",
        "bizStep": "receiving",
        "disposition": "in_progress",
        "quantityList": [{"epcClass": lot, "quantity": 1250.5, "uom": "KGM"}],
        "recordTime": "2001-01-01T00:00:00.000+00:00",  # ours to set: ignored
    }


def document(*events: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": [EPCIS_CONTEXT_URL],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-10-04T06:05:00.000-06:00",
        "epcisBody": {"eventList": list(events)},
    }


def capturer(client: httpx.Client, owner: Auth) -> Auth:
    made = register_client(client, owner, ["events:capture", "events:read", "batches:read"])
    return client_auth(client, made["client_id"], made["client_secret"])


def forms(client: httpx.Client, batch: str, auth: Auth) -> dict[str, Any]:
    response = client.get(f"/batches/{batch}/epcis", headers=auth)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def buyer_with_gln(client: httpx.Client) -> tuple[Auth, str]:
    buyer, gln = sign_up(client, "buyer"), random_gln("590")
    organisation = organisation_of(client, buyer)
    changed = client.patch(f"/organisations/{organisation}", json={"gln": gln}, headers=buyer)
    assert changed.status_code == 200, changed.text
    return buyer, gln


def test_partners_systems_ship_and_receive_a_lot_by_capturing_events(client: httpx.Client) -> None:
    grower = sign_up(client)
    buyer, gln = buyer_with_gln(client)
    lot = client.post("/batches", json=batch_body(gtin=GTIN), headers=grower).json()
    uri = f"https://id.gs1.org/01/0{GTIN}/10/{lot['code']}"
    growers_system, buyers_system = capturer(client, grower), capturer(client, buyer)

    shipped = client.post(
        "/epcis/capture",
        json=document(shipping(uri, f"https://id.gs1.org/417/{gln}")),
        headers=growers_system | LD,
    )
    in_transit = client.get(f"/batches/{lot['id']}", headers=grower).json()
    received = client.post(
        "/epcis/capture", json=document(receiving(uri)), headers=buyers_system | LD
    )
    delivered = client.get(f"/batches/{lot['id']}", headers=buyer).json()
    job = client.get(received.headers["Location"].removeprefix("/api/v1"), headers=buyers_system)

    assert shipped.status_code == 202, shipped.text
    assert received.status_code == 202, received.text
    assert shipped.headers["GS1-EPCIS-Version"] == "2.0"
    assert in_transit["status"] == "in_transit"
    assert in_transit["recipient_id"] == organisation_of(client, buyer)
    assert delivered["status"] == "delivered"
    assert job.status_code == 200, job.text
    assert job.json() == received.json()
    assert (job.json()["running"], job.json()["success"]) == (False, True)
    # The stored events: GS1-valid, their eventIDs GS1's reference hash of them.
    stored = forms(client, lot["id"], grower)
    events = stored["epcisBody"]["eventList"]
    assert [e["bizStep"] for e in events] == ["creating_class_instance", "shipping", "receiving"]
    assert [e["eventID"] for e in events[1:]] == [
        *shipped.json()["eventIDs"],
        *received.json()["eventIDs"],
    ]
    assert schema_problems(stored, load_schema()) == []
    assert document_hashes(stored) == [e["eventID"] for e in events]
    assert events[2]["recordTime"] != "2001-01-01T00:00:00.000+00:00"
    assert PREVIOUS_EVENT_ID not in events[1]
    # Other partners' systems see the same document through the read route.
    assert forms(client, lot["id"], buyers_system)["epcisBody"] == stored["epcisBody"]
    # Our own next event links to the latest captured one.
    split = client.post(
        f"/batches/{lot['id']}/split",
        json={"parts": [{"quantity": "1000"}, {"quantity": "250.5"}]},
        headers=buyer,
    )
    assert split.status_code == 201, split.text
    after = forms(client, lot["id"], buyer)["epcisBody"]["eventList"]
    (made,) = [e for e in after if e["type"] == "TransformationEvent"]
    assert made[PREVIOUS_EVENT_ID] == received.json()["eventIDs"][0]


def nothing_stored(client: httpx.Client, lot: dict[str, Any], grower: Auth) -> None:
    batch = client.get(f"/batches/{lot['id']}", headers=grower).json()
    assert batch["status"] == "registered"
    assert len(forms(client, lot["id"], grower)["epcisBody"]["eventList"]) == 1


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (
            lambda uri, _: {
                **receiving(uri),
                "eventID": "ni:///sha-256;" + "0" * 64 + "?ver=CBV2.0",
            },
            "not GS1's hash",
        ),
        (lambda uri, _: {**receiving(uri), "action": "TOUCH"}, "GS1's EPCIS 2.0 JSON Schema"),
        (lambda _, theirs: receiving(theirs), "no lot your organisation holds"),
    ],
    ids=["wrong-event-id", "schema", "another-organisations-lot"],
)
def test_a_bad_event_among_good_ones_is_a_400_that_stores_nothing(
    client: httpx.Client, bad: Any, words: str
) -> None:
    grower, stranger = sign_up(client), sign_up(client)
    _, gln = buyer_with_gln(client)
    lot = client.post("/batches", json=batch_body(), headers=grower).json()
    theirs = client.post("/batches", json=batch_body(), headers=stranger).json()
    uri = f"https://agrobridge.example/id/lot/{lot['code']}"
    good = shipping(uri, f"https://id.gs1.org/417/{gln}")
    system = capturer(client, grower)

    refused = client.post(
        "/epcis/capture",
        json=document(good, bad(uri, f"https://agrobridge.example/id/lot/{theirs['code']}")),
        headers=system,
    )

    error = assert_error(refused, 400, "bad_request")
    assert error["details"][0]["field"] == "epcisBody.eventList[1]"
    assert words in error["details"][0]["issue"]
    nothing_stored(client, lot, grower)
    # No job was kept: a capture id the refusal could have made is not found.
    unknown = client.get(f"/epcis/capture/{uuid.uuid4()}", headers=system)
    assert_error(unknown, 404, "not_found")


def test_a_capture_moved_through_custody_then_refused_leaves_nothing(client: httpx.Client) -> None:
    """The shipping is applied before custody refuses the receiving after it: the
    transaction takes the shipping back."""
    grower = sign_up(client)
    _, gln = buyer_with_gln(client)
    lot = client.post("/batches", json=batch_body(), headers=grower).json()
    uri = f"https://agrobridge.example/id/lot/{lot['code']}"

    refused = client.post(
        "/epcis/capture",
        json=document(shipping(uri, f"https://id.gs1.org/417/{gln}"), receiving(uri)),
        headers=grower,
    )

    error = assert_error(refused, 400, "bad_request")
    assert error["details"][0]["field"] == "epcisBody.eventList[1]"
    assert "custody refuses it" in error["details"][0]["issue"]
    nothing_stored(client, lot, grower)


def test_the_public_view_leaves_captured_events_out(client: httpx.Client) -> None:
    grower = sign_up(client)
    lot = client.post("/batches", json=batch_body(publish=True), headers=grower).json()
    uri = f"https://agrobridge.example/id/lot/{lot['code']}"
    observation = {**receiving(uri), "bizStep": "inspecting", "disposition": "conformant"}

    captured = client.post("/epcis/capture", json=document(observation), headers=grower)
    public = client.get(f"/public/batches/{lot['public_code']}/epcis")

    assert captured.status_code == 202, captured.text
    assert public.status_code == 200
    assert [e["biz_step"] for e in public.json()["data"]] == ["creating_class_instance"]
    assert captured.json()["eventIDs"][0] not in public.text
