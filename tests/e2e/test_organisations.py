"""Organisations end to end: people act for companies, invite each other, and batches move
between organisations; one organisation sees nothing of another's."""

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
from redis import Redis

from tests.e2e.conftest import PASSWORD, assert_error, batch_body
from tests.support.backends import Backends
from tests.support.builders import random_gln

pytestmark = pytest.mark.e2e


class Person:
    def __init__(self, client: httpx.Client, role: str = "producer", **extra: str) -> None:
        self.client = client
        self.email = f"{role}-{uuid.uuid4().hex[:10]}@example.com"
        body = {"email": self.email, "password": PASSWORD, "full_name": "Pat", "role": role}
        made = client.post("/auth/register", json=body | extra)
        assert made.status_code == 201, made.text
        self.id: str = made.json()["id"]
        self.tokens = self.login()
        self.auth = self.bearer(self.tokens["access_token"])

    def login(self, organisation_id: str | None = None) -> dict[str, Any]:
        body: dict[str, str] = {"email": self.email, "password": PASSWORD}
        if organisation_id:
            body["organisation_id"] = organisation_id
        answer = self.client.post("/auth/login", json=body)
        assert answer.status_code == 200, answer.text
        tokens: dict[str, Any] = answer.json()
        return tokens

    @staticmethod
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def act_for(self, organisation_id: str) -> dict[str, str]:
        """Switch to the organisation; the headers act for it."""
        answer = self.client.post(
            "/auth/switch", json={"organisation_id": organisation_id}, headers=self.auth
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["organisation_id"] == organisation_id
        return self.bearer(answer.json()["access_token"])

    def organisation(self, activities: list[str], **fields: str) -> dict[str, Any]:
        body = {"name": "Empacadora del Valle", "country": "MX", "activities": activities}
        made = self.client.post("/organisations", json=body | fields, headers=self.auth)
        assert made.status_code == 201, made.text
        org: dict[str, Any] = made.json()
        return org

    def invite(self, org_id: str, email: str, role: str, auth: dict[str, str] | None = None) -> str:
        answer = self.client.post(
            f"/organisations/{org_id}/invitations",
            json={"email": email, "role": role},
            headers=auth or self.auth,
        )
        assert answer.status_code == 201, answer.text
        token: str = answer.json()["token"]
        return token

    def accept(self, token: str) -> httpx.Response:
        return self.client.post("/invitations/accept", json={"token": token}, headers=self.auth)


def member_of(owner: Person, org_id: str, role: str) -> tuple[Person, dict[str, str]]:
    """A new person who joined the organisation with this role, and headers acting for it."""
    joiner = Person(owner.client)
    assert joiner.accept(owner.invite(org_id, joiner.email, role)).status_code == 200
    return joiner, joiner.act_for(org_id)


def test_a_person_acts_for_their_own_organisation_by_default(client: httpx.Client) -> None:
    ana = Person(client)
    mine = client.get("/organisations", headers=ana.auth).json()["data"]
    assert [(m["organisation"]["id"], m["role"]) for m in mine] == [(ana.id, "owner")]
    assert mine[0]["organisation"]["activities"] == ["producer"]
    assert mine[0]["organisation"]["name"] == "Pat"
    assert client.get("/auth/me", headers=ana.auth).json()["organisation_id"] == ana.id
    # As before organisations: what a producer registers shows their id as its owner.
    batch = client.post("/batches", json=batch_body(), headers=ana.auth).json()
    assert batch["owner_id"] == ana.id


def test_a_registration_may_name_its_organisation(client: httpx.Client) -> None:
    bo = Person(client, role="buyer", organisation_name="Bo Imports")
    mine = client.get("/organisations", headers=bo.auth).json()["data"]
    assert mine[0]["organisation"]["name"] == "Bo Imports"
    assert mine[0]["organisation"]["activities"] == ["buyer"]


def test_members_act_for_the_company_and_ship_to_a_buyer_by_gln(client: httpx.Client) -> None:
    ana = Person(client)
    farm = ana.organisation(["producer"], name="Finca La Loma")
    as_farm = ana.act_for(farm["id"])
    bo, as_bo_at_farm = member_of(ana, farm["id"], "manager")

    # The manager registers a lot for the company; the company owns it, the owner sees it.
    batch = client.post("/batches", json=batch_body(), headers=as_bo_at_farm).json()
    assert batch["owner_id"] == farm["id"]
    assert client.get(f"/batches/{batch['id']}", headers=as_farm).status_code == 200
    # Acting for his own organisation, Bo does not see the company's lot.
    assert_error(client.get(f"/batches/{batch['id']}", headers=bo.auth), 404, "not_found")

    # A buyer company with a GLN; its member confirms the delivery.
    cy = Person(client, role="buyer")
    packer_gln = random_gln("750")
    packer = cy.organisation(["buyer"], gln=packer_gln)
    as_packer = cy.act_for(packer["id"])
    shipped = client.post(
        f"/batches/{batch['id']}/status",
        json={"status": "in_transit", "recipient": packer_gln},
        headers=as_bo_at_farm,
    )
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["recipient_id"] == packer["id"]
    listed = client.get("/batches", headers=as_packer).json()["data"]
    assert batch["id"] in {b["id"] for b in listed}
    delivered = client.post(
        f"/batches/{batch['id']}/status", json={"status": "delivered"}, headers=as_packer
    )
    assert delivered.status_code == 200, delivered.text
    events = client.get(f"/batches/{batch['id']}/events", headers=as_farm).json()
    assert events["verification"]["valid"] is True


def test_a_shipment_names_a_buyer_organisation_by_id_or_a_members_email(
    client: httpx.Client,
) -> None:
    ana = Person(client)
    for reference in ("id", "email"):
        cy = Person(client, role="buyer")
        org = cy.organisation(["buyer"])
        # Cy buys for two organisations (his own too): his email alone is ambiguous.
        recipient = org["id"] if reference == "id" else cy.email
        batch = client.post("/batches", json=batch_body(), headers=ana.auth).json()
        answer = client.post(
            f"/batches/{batch['id']}/status",
            json={"status": "in_transit", "recipient": recipient},
            headers=ana.auth,
        )
        if reference == "id":
            assert answer.json()["recipient_id"] == org["id"]
        else:
            # His own organisation buys: an email means the person's own organisation.
            assert answer.json()["recipient_id"] == cy.id
    producer_only = Person(client)
    batch = client.post("/batches", json=batch_body(), headers=ana.auth).json()
    refused = client.post(
        f"/batches/{batch['id']}/status",
        json={"status": "in_transit", "recipient": producer_only.id},
        headers=ana.auth,
    )
    assert assert_error(refused, 422, "validation_error")["details"][0]["field"] == "recipient"


def test_a_viewer_reads_but_does_not_write(client: httpx.Client) -> None:
    ana = Person(client)
    farm = ana.organisation(["producer"])
    batch = client.post("/batches", json=batch_body(), headers=ana.act_for(farm["id"])).json()
    _, as_viewer = member_of(ana, farm["id"], "viewer")

    assert client.get(f"/batches/{batch['id']}", headers=as_viewer).status_code == 200
    assert client.get(f"/organisations/{farm['id']}/members", headers=as_viewer).status_code == 200
    for response in (
        client.post("/batches", json=batch_body(), headers=as_viewer),
        client.post(
            f"/batches/{batch['id']}/status", json={"status": "cancelled"}, headers=as_viewer
        ),
        client.post(f"/batches/{batch['id']}/publish", headers=as_viewer),
        client.post(
            f"/organisations/{farm['id']}/invitations",
            json={"email": "x@example.com", "role": "viewer"},
            headers=as_viewer,
        ),
    ):
        assert_error(response, 403, "forbidden")


def test_invitations_work_once_before_they_expire_for_their_own_email(
    client: httpx.Client,
) -> None:
    ana = Person(client)
    farm = ana.organisation(["producer"])
    bo, eve = Person(client), Person(client)
    token = ana.invite(farm["id"], bo.email, "manager")

    assert_error(eve.accept(token), 403, "forbidden")
    joined = bo.accept(token)
    assert joined.status_code == 200, joined.text
    assert joined.json() == {"organisation": joined.json()["organisation"], "role": "manager"}
    assert joined.json()["organisation"]["id"] == farm["id"]
    assert_error(bo.accept(token), 422, "validation_error")

    revoked = ana.invite(farm["id"], eve.email, "viewer")
    listed = client.get(f"/organisations/{farm['id']}/invitations", headers=ana.auth).json()
    ids = [i["id"] for i in listed["data"]]
    assert all("token" not in i for i in listed["data"])
    assert (
        client.delete(
            f"/organisations/{farm['id']}/invitations/{ids[0]}", headers=ana.auth
        ).status_code
        == 204
    )
    assert_error(eve.accept(revoked), 422, "validation_error")
    states = {i["email"]: i["state"] for i in client.get(
        f"/organisations/{farm['id']}/invitations", headers=ana.auth
    ).json()["data"]}  # fmt: skip
    assert states == {bo.email: "accepted", eve.email: "revoked"}


def test_registering_with_an_invitation_joins_at_once(client: httpx.Client) -> None:
    ana = Person(client)
    farm = ana.organisation(["producer"])
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    token = ana.invite(farm["id"], email, "manager")
    body = {"email": email, "password": PASSWORD, "full_name": "Newcomer"}

    wrong = client.post(
        "/auth/register", json=body | {"email": "other-" + email, "invitation_token": token}
    )
    assert assert_error(wrong, 422, "validation_error")["details"][0]["field"] == (
        "invitation_token"
    )
    made = client.post("/auth/register", json=body | {"invitation_token": token})
    assert made.status_code == 201, made.text
    tokens = client.post("/auth/login", json={"email": email, "password": PASSWORD}).json()
    mine = client.get("/organisations", headers=Person.bearer(tokens["access_token"])).json()
    assert {m["organisation"]["id"]: m["role"] for m in mine["data"]} == {
        made.json()["id"]: "owner",
        farm["id"]: "manager",
    }


def test_owners_manage_members_and_the_last_owner_stays(client: httpx.Client) -> None:
    ana = Person(client)
    farm = ana.organisation(["producer"])
    path = f"/organisations/{farm['id']}/members"
    bo, as_bo = member_of(ana, farm["id"], "manager")

    assert_error(client.put(f"{path}/{ana.id}", json={"role": "viewer"}, headers=ana.auth),
                 409, "conflict")  # fmt: skip
    assert_error(client.delete(f"{path}/{ana.id}", headers=ana.auth), 409, "conflict")
    assert_error(client.delete(f"{path}/{ana.id}", headers=as_bo), 403, "forbidden")
    changed = client.put(f"{path}/{bo.id}", json={"role": "viewer"}, headers=ana.auth)
    assert changed.json()["role"] == "viewer"
    # The new role counts at once, in tokens issued before the change.
    assert_error(client.post("/batches", json=batch_body(), headers=as_bo), 403, "forbidden")

    assert client.delete(f"{path}/{bo.id}", headers=ana.auth).status_code == 204
    # A removed member's token no longer acts for the organisation; a refresh acts for their own.
    assert_error(client.get("/batches", headers=as_bo), 401, "unauthorized")
    refreshed = client.post("/auth/refresh", json={"refresh_token": bo.tokens["refresh_token"]})
    me = client.get("/auth/me", headers=Person.bearer(refreshed.json()["access_token"])).json()
    assert me["organisation_id"] == bo.id
    members = client.get(path, headers=ana.auth).json()["data"]
    assert [(m["user_id"], m["role"]) for m in members] == [(ana.id, "owner")]


def test_a_members_role_is_kept_beside_the_token_checks_until_it_changes(
    client: httpx.Client, backends: Backends
) -> None:
    ana = Person(client)
    farm = ana.organisation(["producer"])
    path = f"/organisations/{farm['id']}/members/"
    bo, as_bo = member_of(ana, farm["id"], "manager")
    kept = f"member:{farm['id']}:{bo.id}"
    redis = Redis.from_url(backends.redis_url)
    try:
        # The first request reads Bo's role from the database and keeps it in Redis...
        assert client.post("/batches", json=batch_body(), headers=as_bo).status_code == 201
        stored = redis.get(kept)
        assert isinstance(stored, bytes)
        epoch, _, role = stored.partition(b"|")
        assert (epoch, role) == (redis.get("deny:epoch"), b"manager")
        # ...where the next ones find it: what is kept is what they act with.
        redis.set(kept, epoch + b"|viewer", keepttl=True)
        assert_error(client.post("/batches", json=batch_body(), headers=as_bo), 403, "forbidden")
        redis.set(kept, epoch + b"|manager", keepttl=True)
        assert client.post("/batches", json=batch_body(), headers=as_bo).status_code == 201

        # Demoted, Bo's very next request, with the same token, is a viewer's.
        changed = client.put(path + bo.id, json={"role": "viewer"}, headers=ana.auth)
        assert changed.status_code == 200, changed.text
        assert_error(client.post("/batches", json=batch_body(), headers=as_bo), 403, "forbidden")
        assert client.get("/batches", headers=as_bo).status_code == 200
        # Nothing is kept over a change's mark for a while after it.
        assert redis.get(kept) == b"-"

        # Removed, Bo's next request no longer acts for the farm.
        assert client.delete(path + bo.id, headers=ana.auth).status_code == 204
        assert_error(client.get("/batches", headers=as_bo), 401, "unauthorized")
        # Nor after the mark is gone: a role is kept only once read from the database.
        redis.delete(kept)
        assert_error(client.get("/batches", headers=as_bo), 401, "unauthorized")
        assert redis.get(kept) is None
    finally:
        redis.close()


def test_a_switch_lasts_through_refreshes_and_login_may_choose(client: httpx.Client) -> None:
    ana = Person(client)
    farm = ana.organisation(["producer"])
    ana.act_for(farm["id"])
    refreshed = client.post("/auth/refresh", json={"refresh_token": ana.tokens["refresh_token"]})
    me = client.get("/auth/me", headers=Person.bearer(refreshed.json()["access_token"])).json()
    assert me["organisation_id"] == farm["id"]

    chosen = ana.login(farm["id"])
    me = client.get("/auth/me", headers=Person.bearer(chosen["access_token"])).json()
    assert me["organisation_id"] == farm["id"]
    stranger = Person(client)
    refused = client.post(
        "/auth/login",
        json={"email": ana.email, "password": PASSWORD, "organisation_id": stranger.id},
    )
    assert_error(refused, 422, "validation_error")
    assert_error(
        client.post("/auth/switch", json={"organisation_id": stranger.id}, headers=ana.auth),
        404, "not_found",
    )  # fmt: skip


def test_another_organisations_things_do_not_exist(client: httpx.Client) -> None:
    ana = Person(client)
    farm = ana.organisation(["producer"])
    ana.invite(farm["id"], "someone@example.com", "viewer")
    invitation = client.get(f"/organisations/{farm['id']}/invitations", headers=ana.auth).json()[
        "data"
    ][0]["id"]
    eve = Person(client)
    base = f"/organisations/{farm['id']}"
    for response in (
        client.get(base, headers=eve.auth),
        client.patch(base, json={"name": "Mine now"}, headers=eve.auth),
        client.get(f"{base}/members", headers=eve.auth),
        client.put(f"{base}/members/{ana.id}", json={"role": "viewer"}, headers=eve.auth),
        client.delete(f"{base}/members/{ana.id}", headers=eve.auth),
        client.get(f"{base}/invitations", headers=eve.auth),
        client.post(
            f"{base}/invitations", json={"email": eve.email, "role": "owner"}, headers=eve.auth
        ),
        client.delete(f"{base}/invitations/{invitation}", headers=eve.auth),
    ):
        assert_error(response, 404, "not_found")
    assert client.get(base, headers=ana.auth).json()["name"] == "Empacadora del Valle"


def test_an_organisation_keeps_its_gln_to_itself(client: httpx.Client) -> None:
    ana, bo = Person(client), Person(client)
    taken = random_gln("840")
    ana.organisation(["buyer"], gln=taken)
    clash = client.post(
        "/organisations",
        json={"name": "Copycat", "country": "US", "activities": ["buyer"], "gln": taken},
        headers=bo.auth,
    )
    assert_error(clash, 409, "conflict")
    bad = taken[:-1] + str((int(taken[-1]) + 1) % 10)
    wrong = client.post(
        "/organisations",
        json={"name": "Typo", "country": "US", "activities": ["buyer"], "gln": bad},
        headers=bo.auth,
    )
    assert assert_error(wrong, 422, "validation_error")["details"][0]["field"] == "gln"


def test_the_audit_trail_names_the_organisation_acted_for(
    client: httpx.Client, auditor: dict[str, str]
) -> None:
    ana = Person(client)
    farm = ana.organisation(["producer"])
    batch = client.post("/batches", json=batch_body(), headers=ana.act_for(farm["id"])).json()
    entries = client.get(
        "/audit-logs", params={"organisation_id": farm["id"]}, headers=auditor
    ).json()["data"]
    created = [e for e in entries if e["action"] == "batch.created"]
    assert [(e["target_id"], e["actor_id"]) for e in created] == [(batch["id"], ana.id)]
    assert {e["organisation_id"] for e in entries} == {farm["id"]}


def test_every_write_keeps_the_person_and_the_organisation(
    client: httpx.Client, owner_database_url: str
) -> None:
    ana = Person(client)
    farm = ana.organisation(["producer"])
    bo, as_bo = member_of(ana, farm["id"], "manager")
    batch = client.post("/batches", json=batch_body(), headers=as_bo).json()
    tx = {
        "tx_hash": "0x" + uuid.uuid4().hex * 2,
        "network": "polygon-amoy",
        "event_type": "registered",
    }
    assert (
        client.post(f"/batches/{batch['id']}/transactions", json=tx, headers=as_bo).status_code
        == 201
    )

    async def rows() -> tuple[list[Any], list[Any], Any]:
        connection = await asyncpg.connect(owner_database_url)
        try:
            batch_id = uuid.UUID(batch["id"])
            events = await connection.fetch(
                "SELECT actor_id, organisation_id FROM batch_events WHERE batch_id = $1", batch_id
            )
            txs = await connection.fetch(
                "SELECT created_by, organisation_id FROM transactions WHERE batch_id = $1", batch_id
            )
            made = await connection.fetchval(
                "SELECT created_by FROM batches WHERE id = $1", batch_id
            )
            return list(events), list(txs), made
        finally:
            await connection.close()

    events, txs, made = asyncio.run(rows())
    who = (uuid.UUID(bo.id), uuid.UUID(farm["id"]))
    assert [tuple(e) for e in events] == [who, who]
    assert [tuple(t) for t in txs] == [who]
    assert made == uuid.UUID(bo.id)
