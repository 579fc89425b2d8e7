"""EPCIS over HTTP against the running server: a lot registered at a farm, shipped from a
packhouse to a buyer's warehouse, delivered and split three levels deep. The youngest sub-lot's
EPCISDocument validates under GS1's schema, every eventID is what GS1's reference hash computes,
and its links lead back to the registration; others see what docs/API.md ("EPCIS") says."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest

from api.domain.epcis.document import PREVIOUS_EVENT_ID, SALT, epcis_document
from api.domain.epcis.hashing import document_hashes
from api.domain.epcis.validation import schema_problems
from api.infrastructure.epcis_schema import load_schema
from tests.e2e.conftest import assert_error, batch_body, sign_up, user_id
from tests.e2e.test_clients import client_auth, register_client
from tests.support.server import RunningServer

pytestmark = pytest.mark.e2e

Auth = dict[str, str]
FARM_GLN = "7501234000017"
WAREHOUSE_GLN = "4006381333931"
GTIN = "7038010000065"
LD_JSON = "application/ld+json"


def place(client: httpx.Client, auth: Auth, kind: str, gln: str | None = None) -> dict[str, Any]:
    org = user_id(client, auth)  # a person's own organisation shares their id
    body = {"name": f"{kind} {uuid.uuid4().hex[:6]}", "kind": kind, "country": "MX"}
    made = client.post(f"/organisations/{org}/locations", json=body | {"gln": gln}, headers=auth)
    assert made.status_code == 201, made.text
    location: dict[str, Any] = made.json()
    return location


def moved(client: httpx.Client, batch: str, auth: Auth, **body: Any) -> None:
    response = client.post(f"/batches/{batch}/status", json=body, headers=auth)
    assert response.status_code == 200, response.text


def split(client: httpx.Client, batch: str, auth: Auth, *amounts: str) -> list[dict[str, Any]]:
    parts = [{"quantity": amount} for amount in amounts]
    response = client.post(f"/batches/{batch}/split", json={"parts": parts}, headers=auth)
    assert response.status_code == 201, response.text
    children: list[dict[str, Any]] = response.json()["children"]
    return children


def events_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = document["epcisBody"]["eventList"]
    return events


def document(client: httpx.Client, batch: str, auth: Auth, lineage: bool) -> dict[str, Any]:
    params = {"lineage": "true"} if lineage else {}
    response = client.get(f"/batches/{batch}/epcis", params=params, headers=auth)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == LD_JSON
    found: dict[str, Any] = response.json()
    return found


@pytest.fixture(scope="module")
def lot(client_for_module: httpx.Client) -> dict[str, Any]:
    """The lot's story, as its grower and its buyer tell it."""
    client = client_for_module
    grower, buyer = sign_up(client), sign_up(client, "buyer")
    farm = place(client, grower, "farm", FARM_GLN)
    packhouse = place(client, grower, "packhouse")
    warehouse = place(client, buyer, "warehouse", WAREHOUSE_GLN)
    body = batch_body(quantity="1200", origin_location_id=farm["id"], gtin=GTIN)
    root = client.post("/batches", json=body, headers=grower)
    assert root.status_code == 201, root.text
    root_id = root.json()["id"]
    moved(
        client, root_id, grower, status="in_transit", recipient=user_id(client, buyer),
        ship_from_location_id=packhouse["id"], ship_to_location_id=warehouse["id"],
    )  # fmt: skip
    moved(client, root_id, buyer, status="delivered")
    first = split(client, root_id, buyer, "700", "500")
    second = split(client, first[0]["id"], buyer, "400", "300")
    third = split(client, second[0]["id"], buyer, "250", "150")
    return {
        "grower": grower, "buyer": buyer, "root": root.json(), "lots": [first, second, third],
        "youngest": third[1], "farm": farm, "packhouse": packhouse, "warehouse": warehouse,
    }  # fmt: skip


@pytest.fixture(scope="module")
def client_for_module(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url + "/api/v1", timeout=30) as http:
        yield http


def walk_back(
    by_id: dict[str, dict[str, Any]], event: dict[str, Any], lot_class: str
) -> list[dict[str, Any]]:
    """From `event` to the registration of the lot it descends from, following the previous
    links, each event about the lot followed (a split's output, then its input)."""
    path = [event]
    while True:
        if event["type"] == "TransformationEvent":
            assert lot_class in [q["epcClass"] for q in event["outputQuantityList"]]
            (parent,) = event["inputQuantityList"]
            lot_class = parent["epcClass"]
        else:
            assert lot_class in [q["epcClass"] for q in event["quantityList"]]
        previous = event.get(PREVIOUS_EVENT_ID)
        if previous is None:
            return path
        assert previous in by_id, "the chain of links is broken"
        event = by_id[previous]
        path.append(event)


def test_the_youngest_sub_lots_lineage_is_valid_hashed_and_links_back_to_the_registration(
    client: httpx.Client, lot: dict[str, Any]
) -> None:
    youngest = lot["youngest"]

    found = document(client, youngest["id"], lot["buyer"], lineage=True)

    assert schema_problems(found, load_schema()) == []
    events = events_of(found)
    assert [e["eventID"] for e in events] == document_hashes(found)
    assert [e["bizStep"] for e in events] == [
        "creating_class_instance",  # registered at the farm
        "shipping",
        "receiving",
        "creating_class_instance",  # split, three times
        "creating_class_instance",
        "creating_class_instance",
    ]
    by_id = {e["eventID"]: e for e in events}
    youngest_class = f"https://id.gs1.org/01/0{GTIN}/10/{youngest['code']}"
    path = walk_back(by_id, events[-1], youngest_class)
    assert path == events[::-1]
    registration = path[-1]
    assert (registration["action"], registration["ilmd"]["cbvmda:lotNumber"]) == (
        "ADD",
        lot["root"]["code"],
    )
    assert registration["readPoint"] == {"id": f"https://id.gs1.org/414/{FARM_GLN}"}


def test_a_shipment_names_both_ends_and_a_delivery_the_buyers_site(
    client: httpx.Client, lot: dict[str, Any]
) -> None:
    events = events_of(document(client, lot["root"]["id"], lot["grower"], lineage=False))
    _, shipped, delivered, _ = events
    packhouse = f"https://agrobridge.example/id/location/{lot['packhouse']['id']}"
    warehouse = {"id": f"https://id.gs1.org/414/{WAREHOUSE_GLN}"}

    assert shipped["sourceList"] == [
        {
            "type": "owning_party",
            "source": f"https://agrobridge.example/id/organisation/{lot['root']['owner_id']}",
        },
        {"type": "location", "source": packhouse},
    ]
    assert shipped["destinationList"][1] == {"type": "location", "destination": warehouse["id"]}
    assert delivered["readPoint"] == delivered["bizLocation"] == warehouse


def test_the_grower_sees_its_lot_but_not_what_the_buyer_made_of_it(
    client: httpx.Client, lot: dict[str, Any]
) -> None:
    mine = document(client, lot["root"]["id"], lot["grower"], lineage=True)
    theirs = document(client, lot["root"]["id"], lot["buyer"], lineage=True)

    assert len(events_of(mine)) == 4  # registered, shipped, delivered, split
    assert len(events_of(theirs)) == 6
    assert events_of(theirs)[:4] == events_of(mine)


def test_another_organisation_gets_404_and_a_client_with_events_read_reads_it(
    client: httpx.Client, lot: dict[str, Any]
) -> None:
    youngest = lot["youngest"]["id"]
    stranger = sign_up(client)
    made = register_client(client, lot["buyer"], ["events:read"])
    reader = client_auth(client, made["client_id"], made["client_secret"])
    unscoped = register_client(client, lot["buyer"], ["batches:read"])
    other = client_auth(client, unscoped["client_id"], unscoped["client_secret"])

    refused = client.get(f"/batches/{youngest}/epcis", params={"lineage": "true"}, headers=stranger)
    read = document(client, youngest, reader, lineage=True)

    assert_error(refused, 404, "not_found")
    assert read["epcisBody"] == document(client, youngest, lot["buyer"], True)["epcisBody"]
    assert_error(client.get(f"/batches/{youngest}/epcis", headers=other), 403, "forbidden")


def test_the_public_sees_ids_times_steps_and_links_of_a_public_lot_only(
    client: httpx.Client, lot: dict[str, Any]
) -> None:
    root = lot["root"]
    private = events_of(document(client, root["id"], lot["grower"], lineage=False))
    never_shipped = client.post("/batches", json=batch_body(), headers=lot["grower"]).json()

    shown = client.get(f"/public/batches/{root['public_code']}/epcis")
    hidden = client.get(f"/public/batches/{never_shipped['public_code']}/epcis")

    assert shown.status_code == 200, shown.text
    assert shown.json()["data"] == [
        {
            "event_id": e["eventID"],
            "event_time": e["eventTime"],
            "biz_step": e["bizStep"],
            "disposition": e["disposition"],
            "previous_event_id": e.get(PREVIOUS_EVENT_ID),
        }
        for e in private
    ]
    for secret in (e[SALT] for e in private):
        assert secret not in shown.text
    for named in (FARM_GLN, WAREHOUSE_GLN, lot["packhouse"]["id"], root["owner_id"]):
        assert named not in shown.text
    assert_error(hidden, 404, "not_found")


def test_our_own_chains_still_verify(client: httpx.Client, lot: dict[str, Any]) -> None:
    for batch in (lot["root"], *lot["lots"][0], lot["youngest"]):
        chain = client.get(f"/batches/{batch['id']}/events", headers=lot["buyer"]).json()
        assert chain["verification"]["valid"] is True, batch["code"]


def pages(client: httpx.Client, url: str, auth: Auth) -> list[dict[str, Any]]:
    """Every page of a query, following `Link: <...>; rel="next"` to the last."""
    found: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url is not None:
        page = client.get(next_url, headers=auth)
        assert page.status_code == 200, page.text
        assert page.headers["Content-Type"] == LD_JSON
        assert page.headers["GS1-EPCIS-Version"] == "2.0"
        found.append(page.json())
        link = page.headers.get("Link")
        next_url = None
        if link is not None:
            target, rel = link.split(";", 1)
            assert rel.strip() == 'rel="next"'
            # Relative to the request's URL: the path already names /api/v1.
            next_url = str(page.url.join(target.strip()[1:-1]))
    return found


def query_events(document: dict[str, Any]) -> list[dict[str, Any]]:
    assert document["type"] == "EPCISQueryDocument"
    results = document["epcisBody"]["queryResults"]
    assert results["queryName"] == "SimpleEventQuery"
    events: list[dict[str, Any]] = results["resultsBody"]["eventList"]
    return events


def test_a_query_pages_through_every_event_of_the_gtin_once_valid_and_hashed(
    client: httpx.Client, lot: dict[str, Any]
) -> None:
    lineage = events_of(document(client, lot["youngest"]["id"], lot["buyer"], lineage=True))
    every_lot = quote(f"https://id.gs1.org/01/0{GTIN}/10/*", safe="")

    found = pages(client, f"/epcis/events?perPage=2&MATCH_anyEPCClass={every_lot}", lot["buyer"])

    schema = load_schema()
    for page in found:
        assert schema_problems(page, schema) == []
    events = [e for page in found for e in query_events(page)]
    assert [len(query_events(page)) for page in found] == [2, 2, 2]
    # Each once, oldest first: the lot's whole story as the buyer may read it.
    assert [e["eventID"] for e in events] == [e["eventID"] for e in lineage]
    assert all(e["recordTime"].endswith("+00:00") for e in events)
    # recordTime is not hashed: the events, as served, still hash to their eventIDs.
    assert document_hashes(epcis_document(events, datetime.now(UTC))) == [
        e["eventID"] for e in events
    ]
    assert {k: v for k, v in events[0].items() if k != "recordTime"} == lineage[0]


def test_filters_and_one_event_by_its_id_for_the_grower_a_client_and_no_one_else(
    client: httpx.Client, lot: dict[str, Any]
) -> None:
    grower, buyer = lot["grower"], lot["buyer"]
    stranger = sign_up(client)
    made = register_client(client, buyer, ["events:read"])
    reader = client_auth(client, made["client_id"], made["client_secret"])
    shipping = {"EQ_bizStep": "shipping", "EQ_disposition": "in_transit"}

    (shipped,) = query_events(pages(client, "/epcis/events?" + urlencode(shipping), grower)[0])
    splits = query_events(
        client.get(
            "/epcis/events", params={"eventType": "TransformationEvent"}, headers=grower
        ).json()
    )
    one = f"/epcis/events/{quote(shipped['eventID'], safe='')}"

    assert shipped["sourceList"][0]["source"].endswith(lot["root"]["owner_id"])
    assert len(splits) == 1  # the grower's lot was split once; the rest is the buyer's
    assert query_events(client.get(one, headers=grower).json()) == [shipped]
    assert query_events(client.get(one, headers=reader).json()) == [shipped]
    assert_error(client.get(one, headers=stranger), 404, "not_found")
    assert query_events(client.get("/epcis/events", headers=stranger).json()) == []
    assert_error(
        client.get("/epcis/events", params={"EQ_readPoint": "x"}, headers=grower),
        400,
        "bad_request",
    )


def test_the_digital_link_sends_a_person_to_the_page_and_a_machine_to_epcis(
    server: RunningServer, client: httpx.Client, lot: dict[str, Any]
) -> None:
    made = client.post(
        "/batches", json=batch_body(gtin=GTIN, publish=True), headers=lot["grower"]
    ).json()
    code = made["public_code"]
    link = f"{server.url}/01/0{GTIN}/10/{code}?7007=261002&422=484"
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}

    person = httpx.get(link, headers=browser, timeout=10)
    machine = httpx.get(link, headers={"Accept": LD_JSON}, timeout=10)
    public = client.get(f"/public/batches/{code}/epcis")
    wrong_digit = httpx.get(f"{server.url}/01/07038010000066/10/{code}", headers=browser)

    assert person.status_code == 302
    assert person.headers["Location"].endswith(f"/verify/{code}")
    assert machine.status_code == 200, machine.text
    assert machine.json() == public.json()
    assert machine.json()["data"][0]["biz_step"] == "creating_class_instance"
    assert_error(wrong_digit, 404, "not_found")
