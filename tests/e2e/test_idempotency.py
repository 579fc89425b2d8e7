"""`Idempotency-Key`: a client that timed out retries without doing the work twice."""

import uuid

import httpx
import pytest

from tests.e2e.conftest import assert_error, batch_body, sign_up

pytestmark = pytest.mark.e2e


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def test_a_retried_creation_returns_the_first_batch_and_creates_no_second(
    client: httpx.Client,
) -> None:
    auth = sign_up(client)
    headers = {**auth, **key()}
    body = batch_body(product="mango")
    first = client.post("/batches", json=body, headers=headers)
    again = client.post("/batches", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    mine = client.get("/batches", params={"product": "mango"}, headers=auth).json()["data"]
    assert [b["id"] for b in mine] == [first.json()["id"]]


def test_a_retried_status_change_answers_as_the_first_did_instead_of_409(
    client: httpx.Client,
) -> None:
    auth = sign_up(client)
    batch = client.post("/batches", json=batch_body(), headers=auth).json()
    headers = {**auth, **key()}
    path = f"/batches/{batch['id']}/status"
    first = client.post(path, json={"status": "cancelled"}, headers=headers)
    again = client.post(path, json={"status": "cancelled"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    # Without the key, the same move is what it is: an invalid transition.
    assert_error(client.post(path, json={"status": "cancelled"}, headers=auth), 409, "conflict")


def test_a_retried_split_answers_with_the_first_sub_lots_instead_of_409(
    client: httpx.Client,
) -> None:
    auth = sign_up(client)
    batch = client.post("/batches", json=batch_body(product="lime"), headers=auth).json()
    headers = {**auth, **key()}
    path = f"/batches/{batch['id']}/split"
    parts = {"parts": [{"quantity": "1000"}, {"quantity": "250.5"}]}
    first = client.post(path, json=parts, headers=headers)
    again = client.post(path, json=parts, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    lineage = client.get(f"/batches/{batch['id']}/lineage", headers=auth).json()
    assert len(lineage["descendants"]) == 2
    # Without the key, the same split is what it is: the batch is split already.
    assert_error(client.post(path, json=parts, headers=auth), 409, "conflict")


def test_a_key_reused_with_another_body_is_refused(client: httpx.Client) -> None:
    auth = sign_up(client)
    headers = {**auth, **key()}
    assert client.post("/batches", json=batch_body(), headers=headers).status_code == 201
    other = client.post("/batches", json=batch_body(variety="Fuerte"), headers=headers)
    error = assert_error(other, 422, "validation_error")
    assert error["details"][0]["field"] == "Idempotency-Key"


def test_keys_belong_to_one_user(client: httpx.Client) -> None:
    shared = key()
    mine = client.post("/batches", json=batch_body(), headers={**sign_up(client), **shared})
    theirs = client.post("/batches", json=batch_body(), headers={**sign_up(client), **shared})
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


def test_a_failed_request_does_not_use_up_its_key(client: httpx.Client) -> None:
    auth = sign_up(client)
    headers = {**auth, **key()}
    bad = client.post("/batches", json=batch_body(quantity="-1"), headers=headers)
    assert bad.status_code == 422
    good = client.post("/batches", json=batch_body(quantity="-1"), headers=headers)
    assert good.status_code == 422
    assert "Idempotent-Replayed" not in good.headers


@pytest.mark.parametrize("bad_key", [b"", b"a" * 256, "ключ".encode(), b"two words"])
def test_a_malformed_key_is_a_400(client: httpx.Client, bad_key: bytes) -> None:
    auth = sign_up(client)["Authorization"].encode()
    headers = {b"Authorization": auth, b"Idempotency-Key": bad_key}
    response = client.post("/batches", json=batch_body(), headers=headers)
    assert_error(response, 400, "bad_request")
