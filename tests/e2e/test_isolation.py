"""Nobody reads or changes a batch that is not theirs."""

import httpx
import pytest

from tests.e2e.conftest import assert_error, batch_body, sign_up, tx_hash

pytestmark = pytest.mark.e2e


@pytest.fixture
def owned_batch(client: httpx.Client) -> str:
    owner = sign_up(client)
    batch_id: str = client.post("/batches", json=batch_body(), headers=owner).json()["id"]
    return batch_id


def test_another_producer_cannot_see_or_touch_my_batch(
    client: httpx.Client, owned_batch: str
) -> None:
    stranger = sign_up(client)
    tx = {"tx_hash": tx_hash(), "network": "polygon-amoy", "event_type": "shipped"}
    attempts = [
        client.get(f"/batches/{owned_batch}", headers=stranger),
        client.post(
            f"/batches/{owned_batch}/status", json={"status": "cancelled"}, headers=stranger
        ),
        client.get(f"/batches/{owned_batch}/transactions", headers=stranger),
        client.post(f"/batches/{owned_batch}/transactions", json=tx, headers=stranger),
    ]
    for response in attempts:
        assert_error(response, 404, "not_found")
    listed = client.get("/batches", headers=stranger).json()
    assert owned_batch not in {b["id"] for b in listed["data"]}


def test_buyers_cannot_register_batches_and_see_none_yet(
    client: httpx.Client, owned_batch: str
) -> None:
    buyer = sign_up(client, role="buyer")
    assert_error(client.post("/batches", json=batch_body(), headers=buyer), 403, "forbidden")
    assert client.get("/batches", headers=buyer).json() == {"data": [], "next_cursor": None}
    assert_error(client.get(f"/batches/{owned_batch}", headers=buyer), 404, "not_found")


def test_auditors_and_admins_cannot_self_register(client: httpx.Client) -> None:
    for role in ("auditor", "admin"):
        body = {"email": f"{role}@example.com", "password": "long enough", "full_name": "X"}
        response = client.post("/auth/register", json=body | {"role": role})
        error = assert_error(response, 422, "validation_error")
        assert error["details"][0]["field"] == "role"


def test_requests_without_a_valid_token_are_refused(client: httpx.Client) -> None:
    for headers in ({}, {"Authorization": "Bearer not.a.token"}, {"Authorization": "Basic x"}):
        response = client.get("/batches", headers=headers)
        assert_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"] == "Bearer"
