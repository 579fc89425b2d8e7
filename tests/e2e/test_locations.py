"""Locations over HTTP: an organisation keeps its sites, its members read them, nobody else sees
them, and batches name them (docs/API.md, "Locations")."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import PASSWORD, assert_error, batch_body, user_id

pytestmark = pytest.mark.e2e

GLN = "7501234000017"  # a valid check digit
FARM = {
    "name": "La Loma",
    "kind": "farm",
    "region": "Michoacan",
    "country": "MX",
    "latitude": "19.4117",
    "longitude": "-102.0564",
    "gln": GLN,
}

Auth = dict[str, str]


def account(client: httpx.Client, role: str = "producer") -> tuple[str, Auth]:
    """A new person's email and the Authorization header of their first login."""
    email = f"{role}-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD, "full_name": "Test User", "role": role}
    assert client.post("/auth/register", json=body).status_code == 201
    tokens = client.post("/auth/login", json={"email": email, "password": PASSWORD}).json()
    return email, {"Authorization": f"Bearer {tokens['access_token']}"}


def organisation(client: httpx.Client, role: str = "producer") -> tuple[str, Auth]:
    """A person's own organisation (it shares their id) and its owner's header."""
    _, auth = account(client, role)
    return user_id(client, auth), auth


def member(client: httpx.Client, org: str, owner: Auth, role: str) -> Auth:
    """A person invited into the organisation with `role`, acting for it."""
    email, auth = account(client)
    invited = client.post(
        f"/organisations/{org}/invitations", json={"email": email, "role": role}, headers=owner
    )
    assert invited.status_code == 201, invited.text
    accepted = client.post(
        "/invitations/accept", json={"token": invited.json()["token"]}, headers=auth
    )
    assert accepted.status_code == 200, accepted.text
    switched = client.post("/auth/switch", json={"organisation_id": org}, headers=auth)
    assert switched.status_code == 200, switched.text
    return {"Authorization": f"Bearer {switched.json()['access_token']}"}


def add(client: httpx.Client, org: str, auth: Auth, **fields: Any) -> dict[str, Any]:
    body = {"name": f"Site {uuid.uuid4().hex[:6]}", "kind": "warehouse", "country": "MX"} | fields
    made = client.post(f"/organisations/{org}/locations", json=body, headers=auth)
    assert made.status_code == 201, made.text
    location: dict[str, Any] = made.json()
    return location


def test_an_owner_adds_a_farm_and_a_field_inside_it(client: httpx.Client) -> None:
    org, owner = organisation(client)

    made = client.post(f"/organisations/{org}/locations", json=FARM, headers=owner)
    farm = made.json()
    field = add(
        client, org, owner, name="Lote 3", kind="field", gln=GLN, gln_extension="LOTE-3",
        parent_id=farm["id"],
    )  # fmt: skip

    assert made.status_code == 201, made.text
    assert made.headers["Location"] == f"/api/v1/organisations/{org}/locations/{farm['id']}"
    assert farm | {"id": "", "created_at": "", "updated_at": ""} == FARM | {
        "id": "",
        "organisation_id": org,
        "latitude": "19.411700",
        "longitude": "-102.056400",
        "street": None,
        "city": None,
        "postal_code": None,
        "phone": None,
        "gln_extension": None,
        "parent_id": None,
        "archived_at": None,
        "created_at": "",
        "updated_at": "",
    }
    assert (field["parent_id"], field["gln"], field["gln_extension"]) == (farm["id"], GLN, "LOTE-3")
    read = client.get(f"/organisations/{org}/locations/{field['id']}", headers=owner)
    assert read.status_code == 200
    assert read.json() == field
    listed = client.get(f"/organisations/{org}/locations", headers=owner).json()
    assert listed == {"data": [field, farm], "next_cursor": None}


def test_the_list_pages_newest_first_and_keeps_archived_locations_apart(
    client: httpx.Client,
) -> None:
    org, owner = organisation(client)
    made = [add(client, org, owner) for _ in range(3)]
    url = f"/organisations/{org}/locations"

    first = client.get(url, params={"limit": 2}, headers=owner).json()
    second = client.get(url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=owner)
    archived = client.post(f"{url}/{made[0]['id']}/archive", headers=owner)

    assert [x["id"] for x in first["data"] + second.json()["data"]] == [
        x["id"] for x in reversed(made)
    ]
    assert second.json()["next_cursor"] is None
    assert archived.status_code == 200, archived.text
    active = client.get(url, headers=owner).json()["data"]
    assert [x["id"] for x in active] == [made[2]["id"], made[1]["id"]]
    gone = client.get(url, params={"archived": "true"}, headers=owner).json()
    assert gone == {"data": [archived.json()], "next_cursor": None}
    assert_error(client.get(url, params={"archived": "yes"}, headers=owner), 400, "bad_request")


def test_an_update_changes_the_fields_named_and_keeps_the_rules(client: httpx.Client) -> None:
    org, owner = organisation(client)
    farm = add(client, org, owner, **FARM)
    url = f"/organisations/{org}/locations/{farm['id']}"

    changed = client.patch(
        url, json={"city": "Uruapan", "phone": "+52 452 123 4567"}, headers=owner
    )
    unnamed = client.patch(url, json={"name": None}, headers=owner)
    half = client.patch(url, json={"latitude": None}, headers=owner)
    cleared = client.patch(url, json={"latitude": None, "longitude": None}, headers=owner)

    assert changed.status_code == 200, changed.text
    assert changed.json() == farm | {
        "city": "Uruapan",
        "phone": "+52 452 123 4567",
        "updated_at": changed.json()["updated_at"],
    }
    assert changed.json()["updated_at"] > farm["updated_at"]
    assert assert_error(unnamed, 422, "validation_error")["details"][0]["field"] == "name"
    assert assert_error(half, 422, "validation_error")["details"][0]["field"] == "latitude"
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["latitude"], cleared.json()["longitude"]) == (None, None)
    assert client.get(url, headers=owner).json() == cleared.json()


def test_archiving_twice_changes_nothing_more(client: httpx.Client) -> None:
    org, owner = organisation(client)
    farm = add(client, org, owner)
    url = f"/organisations/{org}/locations/{farm['id']}/archive"

    first = client.post(url, headers=owner)
    second = client.post(url, headers=owner)

    assert first.status_code == second.status_code == 200
    assert first.json()["archived_at"] is not None
    assert second.json() == first.json()


def test_a_manager_writes_and_a_viewer_only_reads(client: httpx.Client) -> None:
    org, owner = organisation(client)
    farm = add(client, org, owner)
    manager = member(client, org, owner, "manager")
    viewer = member(client, org, owner, "viewer")
    url = f"/organisations/{org}/locations"

    by_manager = client.post(url, json=FARM, headers=manager)
    writes = [
        client.post(url, json=FARM | {"gln": None}, headers=viewer),
        client.patch(f"{url}/{farm['id']}", json={"name": "Mine"}, headers=viewer),
        client.post(f"{url}/{farm['id']}/archive", headers=viewer),
    ]

    assert by_manager.status_code == 201, by_manager.text
    assert client.get(f"{url}/{farm['id']}", headers=viewer).json() == farm
    listed = client.get(url, headers=viewer).json()["data"]
    assert [x["id"] for x in listed] == [by_manager.json()["id"], farm["id"]]
    for response in writes:
        assert_error(response, 403, "forbidden")
    assert client.get(f"{url}/{farm['id']}", headers=owner).json() == farm


def test_another_organisations_locations_are_404_on_every_route(
    client: httpx.Client, auditor: Auth
) -> None:
    org, owner = organisation(client)
    farm = add(client, org, owner)
    stranger_org, stranger = organisation(client)
    theirs, mine = f"/organisations/{org}/locations", f"/organisations/{stranger_org}/locations"

    attempts = [
        client.get(theirs, headers=stranger),
        client.post(theirs, json=FARM, headers=stranger),
        client.get(f"{theirs}/{farm['id']}", headers=stranger),
        client.patch(f"{theirs}/{farm['id']}", json={"name": "Mine"}, headers=stranger),
        client.post(f"{theirs}/{farm['id']}/archive", headers=stranger),
        # The same location asked for under the caller's own organisation.
        client.get(f"{mine}/{farm['id']}", headers=stranger),
        client.patch(f"{mine}/{farm['id']}", json={"name": "Mine"}, headers=stranger),
        client.post(f"{mine}/{farm['id']}/archive", headers=stranger),
    ]

    for response in attempts:
        assert_error(response, 404, "not_found")
    assert client.get(mine, headers=stranger).json() == {"data": [], "next_cursor": None}
    assert client.get(f"{theirs}/{farm['id']}", headers=owner).json() == farm
    denied = client.get(
        "/audit-logs",
        params={"action": "access.denied", "actor_id": stranger_org, "limit": 100},
        headers=auditor,
    ).json()["data"]
    assert sorted(r["target_id"] for r in denied) == sorted([org] * 5 + [farm["id"]] * 3)


def test_every_write_is_in_the_audit_trail(client: httpx.Client, auditor: Auth) -> None:
    org, owner = organisation(client)
    farm = add(client, org, owner)
    url = f"/organisations/{org}/locations/{farm['id']}"
    client.patch(url, json={"city": "Uruapan"}, headers=owner)
    client.post(f"{url}/archive", headers=owner)

    rows = client.get(
        "/audit-logs", params={"target_id": farm["id"], "limit": 100}, headers=auditor
    ).json()["data"]

    assert sorted(r["action"] for r in rows) == [
        "location.archived",
        "location.created",
        "location.updated",
    ]
    assert {r["actor_id"] for r in rows} == {org}


def test_a_gln_with_a_wrong_check_digit_or_taken_is_refused(client: httpx.Client) -> None:
    org, owner = organisation(client)
    url = f"/organisations/{org}/locations"
    add(client, org, owner, gln=GLN)

    wrong = client.post(url, json=FARM | {"gln": "7501234000018"}, headers=owner)
    taken = client.post(url, json=FARM, headers=owner)
    lonely = client.post(url, json=FARM | {"gln": None, "gln_extension": "L3"}, headers=owner)
    north = client.post(url, json=FARM | {"latitude": "90.000001"}, headers=owner)

    assert assert_error(wrong, 422, "validation_error")["details"][0]["field"] == "gln"
    assert_error(taken, 409, "conflict")
    assert assert_error(lonely, 422, "validation_error")["details"][0]["field"] == "gln_extension"
    assert assert_error(north, 422, "validation_error")["details"][0]["field"] == "latitude"
    assert client.post(url, json=FARM | {"gln_extension": "L3"}, headers=owner).status_code == 201


def test_concurrent_locations_with_one_gln_leave_one_standing(client: httpx.Client) -> None:
    org, owner = organisation(client)
    url = client.base_url.join(f"/api/v1/organisations/{org}/locations")

    def create(_: int) -> int:
        # A connection each, so both workers take part.
        return httpx.post(url, json=FARM, headers=owner, timeout=30).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(create, range(8)))

    assert statuses == [201] + [409] * 7
    listed = client.get(f"/organisations/{org}/locations", headers=owner).json()["data"]
    assert len(listed) == 1


def test_a_parent_must_be_an_active_location_of_the_organisation(client: httpx.Client) -> None:
    org, owner = organisation(client)
    other_org, other = organisation(client)
    theirs = add(client, other_org, other)
    retired = add(client, org, owner)
    client.post(f"/organisations/{org}/locations/{retired['id']}/archive", headers=owner)
    farm = add(client, org, owner)
    field = add(client, org, owner, parent_id=farm["id"])
    url = f"/organisations/{org}/locations"

    refused = [
        client.post(url, json=FARM | {"parent_id": theirs["id"]}, headers=owner),
        client.post(url, json=FARM | {"parent_id": retired["id"]}, headers=owner),
        client.patch(f"{url}/{farm['id']}", json={"parent_id": field["id"]}, headers=owner),
    ]

    for response in refused:
        assert assert_error(response, 422, "validation_error")["details"][0]["field"] == "parent_id"


def test_a_batch_from_a_location_takes_its_origin_from_it(client: httpx.Client) -> None:
    org, owner = organisation(client)
    farm = add(client, org, owner, **FARM)
    body = batch_body(origin_location_id=farm["id"])
    del body["origin"]

    made = client.post("/batches", json=body, headers=owner)
    given = client.post(
        "/batches", json=batch_body(origin_location_id=farm["id"]), headers=owner
    ).json()
    archived = client.post(f"/organisations/{org}/locations/{farm['id']}/archive", headers=owner)
    after = client.post("/batches", json=body, headers=owner)

    assert made.status_code == 201, made.text
    batch = made.json()
    assert batch["origin"] == {"farm": "La Loma", "region": "Michoacan", "country": "MX"}
    assert batch["origin_location_id"] == farm["id"]
    assert batch["organisation_id"] == batch["owner_id"] == org
    assert batch["created_by"] == org
    assert (given["origin"]["farm"], given["origin_location_id"]) == ("La Loma", farm["id"])
    assert archived.status_code == 200
    assert client.get(f"/batches/{batch['id']}", headers=owner).json() == batch
    error = assert_error(after, 422, "validation_error")
    assert error["details"][0]["field"] == "origin_location_id"
    without = batch_body()
    del without["origin"]
    error = assert_error(
        client.post("/batches", json=without, headers=owner), 422, "validation_error"
    )
    assert error["details"][0]["field"] == "origin"


def test_a_shipment_names_its_ends_and_its_chain_still_verifies(client: httpx.Client) -> None:
    org, producer = organisation(client)
    buyer_org, buyer = organisation(client, "buyer")
    packhouse = add(client, org, producer, kind="packhouse")
    warehouse = add(client, buyer_org, buyer, kind="warehouse")
    batch = client.post("/batches", json=batch_body(), headers=producer).json()
    ship = {
        "status": "in_transit",
        "recipient": buyer_org,
        "ship_from_location_id": packhouse["id"],
        "ship_to_location_id": warehouse["id"],
    }

    shipped = client.post(f"/batches/{batch['id']}/status", json=ship, headers=producer)

    assert shipped.status_code == 200, shipped.text
    assert (shipped.json()["ship_from_location_id"], shipped.json()["ship_to_location_id"]) == (
        packhouse["id"],
        warehouse["id"],
    )
    assert client.get(f"/batches/{batch['id']}", headers=buyer).json() == shipped.json()
    chain = client.get(f"/batches/{batch['id']}/events", headers=producer).json()
    assert chain["verification"]["valid"] is True
    assert chain["verification"]["length"] == 2
    assert chain["data"][-1]["type"] == "shipped"
    assert chain["data"][-1]["data"] == {
        "recipient_id": buyer_org,
        "ship_from_location_id": packhouse["id"],
        "ship_to_location_id": warehouse["id"],
    }


def test_a_ship_to_location_of_another_organisation_than_the_recipient_is_refused(
    client: httpx.Client,
) -> None:
    org, producer = organisation(client)
    buyer_org, _ = organisation(client, "buyer")
    other_org, other = organisation(client, "buyer")
    elsewhere = add(client, other_org, other)
    mine = add(client, org, producer)
    batch = client.post("/batches", json=batch_body(), headers=producer).json()
    url = f"/batches/{batch['id']}/status"
    ship = {"status": "in_transit", "recipient": buyer_org}

    to_a_third = client.post(
        url, json=ship | {"ship_to_location_id": elsewhere["id"]}, headers=producer
    )
    to_mine = client.post(url, json=ship | {"ship_to_location_id": mine["id"]}, headers=producer)
    from_theirs = client.post(
        url, json=ship | {"ship_from_location_id": elsewhere["id"]}, headers=producer
    )

    for response, field in (
        (to_a_third, "ship_to_location_id"),
        (to_mine, "ship_to_location_id"),
        (from_theirs, "ship_from_location_id"),
    ):
        assert assert_error(response, 422, "validation_error")["details"][0]["field"] == field
    assert client.get(f"/batches/{batch['id']}", headers=producer).json()["status"] == "registered"
