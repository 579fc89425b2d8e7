"""A producer's whole journey over HTTP, against the multi-worker server."""

import httpx
import pytest

from tests.e2e.conftest import PASSWORD, assert_error, batch_body, sign_up, tx_hash

pytestmark = pytest.mark.e2e


def test_a_producer_registers_logs_in_and_traces_a_batch_to_delivery(
    client: httpx.Client,
) -> None:
    auth = sign_up(client)
    me = client.get("/auth/me", headers=auth).json()
    assert me["role"] == "producer"

    created = client.post("/batches", json=batch_body(), headers=auth)
    assert created.status_code == 201
    batch = created.json()
    assert created.headers["Location"] == f"/api/v1/batches/{batch['id']}"
    assert batch["status"] == "registered"
    assert batch["quantity"] == "1250.500"
    assert batch["owner_id"] == me["id"]
    assert batch["code"].startswith("AGB-")
    assert batch["created_at"].endswith("Z")

    # The producer ships to a buyer, who confirms the delivery.
    buyer = sign_up(client, "buyer")
    buyer_id = client.get("/auth/me", headers=buyer).json()["id"]
    steps = [
        (auth, {"status": "in_transit", "note": "ok", "recipient": buyer_id}),
        (buyer, {"status": "delivered", "note": "ok"}),
    ]
    for who, body in steps:
        moved = client.post(f"/batches/{batch['id']}/status", json=body, headers=who)
        assert moved.status_code == 200
        assert moved.json()["status"] == body["status"]
    backwards = client.post(
        f"/batches/{batch['id']}/status", json={"status": "in_transit"}, headers=auth
    )
    assert_error(backwards, 409, "conflict")

    tx: dict[str, object] = {
        "tx_hash": tx_hash().upper().replace("0X", "0x"),
        "network": "polygon-amoy",
        "event_type": "received",
        "status": "confirmed",
        "block_number": 42,
    }
    recorded = client.post(f"/batches/{batch['id']}/transactions", json=tx, headers=auth)
    assert recorded.status_code == 201
    assert recorded.json()["tx_hash"] == str(tx["tx_hash"]).lower()
    assert recorded.json()["confirmed_at"] is not None
    again = client.post(f"/batches/{batch['id']}/transactions", json=tx, headers=auth)
    assert again.status_code == 200
    assert again.json()["id"] == recorded.json()["id"]

    listed = client.get(f"/batches/{batch['id']}/transactions", headers=auth).json()
    assert [t["id"] for t in listed["data"]] == [recorded.json()["id"]]
    read_back = client.get(f"/batches/{batch['id']}", headers=auth).json()
    assert read_back["status"] == "delivered"


def test_batch_lists_page_newest_first_and_filter(client: httpx.Client) -> None:
    auth = sign_up(client)
    ids = [client.post("/batches", json=batch_body(), headers=auth).json()["id"] for _ in range(3)]
    mango = client.post("/batches", json=batch_body(product="mango"), headers=auth).json()

    first = client.get("/batches", params={"limit": 2}, headers=auth).json()
    second = client.get(
        "/batches", params={"limit": 2, "cursor": first["next_cursor"]}, headers=auth
    ).json()
    assert [b["id"] for b in first["data"] + second["data"]] == [mango["id"], *reversed(ids)]
    assert second["next_cursor"] is None

    only_mango = client.get("/batches", params={"product": "mango"}, headers=auth).json()
    assert [b["id"] for b in only_mango["data"]] == [mango["id"]]
    cancelled = client.get("/batches", params={"status": "cancelled"}, headers=auth).json()
    assert cancelled["data"] == []


def test_a_refresh_token_buys_a_new_pair_once(client: httpx.Client) -> None:
    email = "refresh-" + tx_hash()[2:12] + "@example.com"
    body = {"email": email, "password": PASSWORD, "full_name": "R"}
    client.post("/auth/register", json=body)
    tokens = client.post("/auth/login", json={"email": email.upper(), "password": PASSWORD}).json()
    assert tokens["token_type"] == "Bearer"

    rotated = client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert rotated.status_code == 200
    assert rotated.json()["refresh_token"] != tokens["refresh_token"]
    fresh = {"Authorization": f"Bearer {rotated.json()['access_token']}"}
    assert client.get("/auth/me", headers=fresh).json()["email"] == email

    replayed = client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert_error(replayed, 401, "unauthorized")


def test_wrong_credentials_get_one_answer_whether_or_not_the_account_exists(
    client: httpx.Client,
) -> None:
    auth_email = "known-" + tx_hash()[2:12] + "@example.com"
    client.post(
        "/auth/register", json={"email": auth_email, "password": PASSWORD, "full_name": "K"}
    )
    known = client.post("/auth/login", json={"email": auth_email, "password": "not the password"})
    unknown = client.post(
        "/auth/login", json={"email": "nobody@example.com", "password": "not the password"}
    )
    assert (
        assert_error(known, 401, "unauthorized")["message"]
        == (assert_error(unknown, 401, "unauthorized")["message"])
    )
    taken = client.post(
        "/auth/register", json={"email": auth_email.upper(), "password": PASSWORD, "full_name": "K"}
    )
    assert_error(taken, 409, "conflict")
