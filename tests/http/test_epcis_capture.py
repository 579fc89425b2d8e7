"""EPCIS capture over in-memory fakes: GS1's REST binding (202, Location, the job, the version
header), the media types, who may capture, and the error shape (docs/API.md, "EPCIS capture")."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from api.domain.epcis.document import EPCIS_CONTEXT_URL
from api.domain.epcis.hashing import event_hash
from api.domain.organisations import Activity, MemberRole, NewOrganisation
from api.domain.users import Role
from tests.http.harness import bearer
from tests.http.test_clients import client_token, registered
from tests.support.builders import CTX, new_batch

CAPTURE = "/api/v1/epcis/capture"
LD = {"Content-Type": "application/ld+json"}
BATCH = {
    "product": "avocado",
    "origin": {"farm": "La Loma", "region": "Michoacan", "country": "MX"},
    "harvest_date": "2026-10-02",
    "quantity": "1250.5",
    "unit": "kg",
}


def observation(code: str) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": "2026-10-04T06:00:00.000-06:00",
        "eventTimeZoneOffset": "-06:00",
        "action": "OBSERVE",
        "bizStep": "inspecting",
        "disposition": "conformant",
        "quantityList": [
            {
                "epcClass": f"https://agrobridge.example/id/lot/{code}",
                "quantity": 1250.5,
                "uom": "KGM",
            }
        ],
    }


def document(*events: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": [EPCIS_CONTEXT_URL],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-10-04T06:05:00.000-06:00",
        "epcisBody": {"eventList": list(events)},
    }


@pytest.fixture
async def producer(fakes):
    return bearer(fakes.token(await fakes.user(Role.PRODUCER)))


async def test_a_capture_answers_202_with_the_job_to_poll(api, producer):
    batch = (await api.post("/api/v1/batches", json=BATCH, headers=producer)).json()
    sent = observation(batch["code"])

    made = await api.post(CAPTURE, json=document(sent), headers=producer | LD)
    polled = await api.get(made.headers["Location"], headers=producer)
    forms = (await api.get(f"/api/v1/batches/{batch['id']}/epcis", headers=producer)).json()

    assert made.status_code == 202, made.text
    job = made.json()
    assert made.headers["Location"] == f"{CAPTURE}/{job['captureID']}"
    assert made.headers["GS1-EPCIS-Version"] == "2.0"
    assert (job["running"], job["success"], job["errors"]) == (False, True, [])
    assert job["eventIDs"] == [event_hash(sent)]
    assert polled.status_code == 200
    assert polled.json() == job
    assert polled.headers["GS1-EPCIS-Version"] == "2.0"
    assert event_hash(sent) in [e["eventID"] for e in forms["epcisBody"]["eventList"]]


async def test_a_bad_capture_is_a_400_naming_the_event_and_stores_nothing(api, fakes, producer):
    batch = (await api.post("/api/v1/batches", json=BATCH, headers=producer)).json()
    wrong = {**observation(batch["code"]), "eventID": "ni:///sha-256;" + "0" * 64 + "?ver=CBV2.0"}

    refused = await api.post(
        CAPTURE, json=document(observation(batch["code"]), wrong), headers=producer
    )

    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["code"] == "bad_request"
    assert error["request_id"] == refused.headers["X-Request-ID"]
    assert [d["field"] for d in error["details"]] == ["epcisBody.eventList[1]"]
    assert "is not GS1's hash of the event" in error["details"][0]["issue"]
    assert fakes.captures.jobs == {}
    assert len(fakes.epcis.rows) == 1  # the registration's own


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"{not json", LD, 400),
        (b"{}", {"Content-Type": "text/plain"}, 415),
        (b"[]", LD, 400),
        (b"{}", LD | {"GS1-EPCIS-Version": "1.2"}, 400),
        (b"{}", LD | {"GS1-Capture-Error-Behaviour": "proceed"}, 400),
    ],
)
async def test_what_is_not_a_capture_is_refused(api, producer, body, headers, status):
    refused = await api.post(CAPTURE, content=body, headers=producer | headers)

    assert refused.status_code == status, refused.text
    assert refused.json()["error"]["request_id"] == refused.headers["X-Request-ID"]


async def test_viewers_may_not_capture_and_others_jobs_are_not_found(api, fakes, producer):
    batch = (await api.post("/api/v1/batches", json=BATCH, headers=producer)).json()
    made = await api.post(CAPTURE, json=document(observation(batch["code"])), headers=producer)
    owner = await fakes.user(Role.PRODUCER)
    viewer = await fakes.user(Role.PRODUCER)
    organisation = await fakes.organisations.add(
        NewOrganisation("Coop", "MX", frozenset({Activity.PRODUCER})), fakes.clock.now()
    )
    await fakes.organisations.add_member(
        organisation.id, owner.id, MemberRole.OWNER, fakes.clock.now()
    )
    await fakes.organisations.add_member(
        organisation.id, viewer.id, MemberRole.VIEWER, fakes.clock.now()
    )
    token, _ = fakes.tokens.issue(viewer, uuid.uuid4(), datetime.now(UTC), "", organisation.id)
    as_viewer = bearer(token)
    stranger = bearer(fakes.token(await fakes.user(Role.PRODUCER)))

    refused = await api.post(CAPTURE, json=document(observation("X")), headers=as_viewer)
    hidden = await api.get(made.headers["Location"], headers=stranger)

    assert refused.status_code == 403, refused.text
    assert hidden.status_code == 404
    assert hidden.json()["error"]["code"] == "not_found"


async def test_a_machine_client_needs_the_events_capture_scope(api, fakes):
    owner, capturer, secret = await registered(fakes, {"events:capture"})
    _, reader, reader_secret = await registered(fakes, {"events:read"})
    code = (await fakes.services().batches.create(owner, new_batch(), CTX)).code

    allowed = await api.post(
        CAPTURE,
        json=document(observation(code)),
        headers=bearer(await client_token(api, str(capturer.id), secret)),
    )
    refused = await api.post(
        CAPTURE,
        json=document(observation(code)),
        headers=bearer(await client_token(api, str(reader.id), reader_secret)),
    )

    assert allowed.status_code == 202, allowed.text
    assert refused.status_code == 403
