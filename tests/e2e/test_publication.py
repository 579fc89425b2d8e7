"""A lot is public only when its producer means it to be: once shipped, once split from a
public lot, or once published; and a client-chosen code is public only under a random suffix
(docs/security.md, "When a lot becomes public")."""

import re
import uuid
from typing import Any

import httpx
import pytest

from api.domain.batch_codes import ALPHABET, check_symbol
from tests.e2e.conftest import PUBLIC_BASE_URL, assert_error, batch_body, sign_up, user_id
from tests.support.server import RunningServer

pytestmark = pytest.mark.e2e

SUFFIX = re.compile(rf"^\.([{ALPHABET}]{{12}})$")


@pytest.fixture
def public(server: RunningServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=10)


def _guessable() -> str:
    return f"TRIAL-{uuid.uuid4().int % 10**6:06d}"


def assert_not_public(public: httpx.Client, code: str) -> None:
    """Every public door answers as for a code that names nothing."""
    for path in (f"/api/v1/public/batches/{code}", f"/api/v1/public/batches/{code}/qr.svg",
                 f"/api/v1/public/batches/{code}/qr.png"):  # fmt: skip
        error = assert_error(public.get(path), 404, "not_found")
        assert error["message"] == "no batch has this code"
    assert public.get(f"/verify/{code}").status_code == 404


def _ship(client: httpx.Client, batch: dict[str, Any], producer: dict[str, str]) -> dict[str, str]:
    buyer = sign_up(client, "buyer")
    shipment = {"status": "in_transit", "recipient": user_id(client, buyer)}
    shipped = client.post(f"/batches/{batch['id']}/status", json=shipment, headers=producer)
    assert shipped.status_code == 200, shipped.text
    return buyer


def test_a_lot_neither_shipped_nor_published_is_not_public(
    client: httpx.Client, public: httpx.Client
) -> None:
    producer = sign_up(client)
    guessable = client.post("/batches", json=batch_body(code=_guessable()), headers=producer)
    random_code = client.post("/batches", json=batch_body(), headers=producer)

    for made in (guessable.json(), random_code.json()):
        assert_not_public(public, made["code"])
        assert_not_public(public, made["public_code"])
        assert made["published_at"] is None


def test_a_client_chosen_code_is_public_only_under_a_random_suffix(
    client: httpx.Client, public: httpx.Client
) -> None:
    producer = sign_up(client)
    code = _guessable()
    batch = client.post("/batches", json=batch_body(code=code), headers=producer).json()
    _ship(client, batch, producer)

    assert_not_public(public, code)
    suffix = SUFFIX.match(batch["public_code"].removeprefix(code))
    assert suffix, batch["public_code"]
    assert check_symbol(suffix[1][:-1]) == suffix[1][-1]
    view = public.get(f"/api/v1/public/batches/{batch['public_code']}")
    assert view.status_code == 200, view.text
    assert view.json()["code"] == code
    assert view.json()["verify_url"] == f"{PUBLIC_BASE_URL}/verify/{batch['public_code']}"
    assert public.get(f"/verify/{batch['public_code']}").status_code == 200
    owned = client.get(f"/batches/{batch['id']}", headers=producer).json()
    assert owned["published_at"] is not None
    assert owned["public_code"] == batch["public_code"]


def test_a_server_made_code_is_its_own_public_code(
    client: httpx.Client, public: httpx.Client
) -> None:
    producer = sign_up(client)
    batch = client.post("/batches", json=batch_body(), headers=producer).json()
    assert batch["public_code"] == batch["code"]
    _ship(client, batch, producer)
    assert public.get(f"/api/v1/public/batches/{batch['code']}").status_code == 200


def test_the_owner_publishes_a_lot_before_shipping_it(
    client: httpx.Client, public: httpx.Client
) -> None:
    producer, stranger = sign_up(client), sign_up(client)
    batch = client.post("/batches", json=batch_body(code=_guessable()), headers=producer).json()
    path = f"/batches/{batch['id']}/publish"

    assert_error(client.post(path, headers=stranger), 404, "not_found")
    assert_not_public(public, batch["public_code"])
    published = client.post(path, headers=producer)
    assert published.status_code == 200, published.text
    assert published.json()["published_at"] is not None
    assert published.json()["status"] == "registered"
    again = client.post(path, headers=producer).json()
    assert again["published_at"] == published.json()["published_at"]

    view = public.get(f"/api/v1/public/batches/{batch['public_code']}")
    assert view.status_code == 200, view.text
    assert view.json()["status"] == "registered"


def test_a_lot_may_be_published_as_it_is_registered(
    client: httpx.Client, public: httpx.Client
) -> None:
    producer = sign_up(client)
    batch = client.post("/batches", json=batch_body(publish=True), headers=producer).json()
    assert batch["published_at"] == batch["created_at"]
    assert public.get(f"/api/v1/public/batches/{batch['public_code']}").status_code == 200


def test_sub_lots_are_public_when_the_lot_they_come_from_is(
    client: httpx.Client, public: httpx.Client
) -> None:
    producer = sign_up(client)
    # Split before anyone shipped it: nothing is public.
    private = client.post("/batches", json=batch_body(code=_guessable()), headers=producer).json()

    def parts() -> dict[str, Any]:
        return {"parts": [{"quantity": "250.5"}, {"quantity": "1000", "code": _guessable()}]}

    hidden = client.post(f"/batches/{private['id']}/split", json=parts(), headers=producer).json()
    for child in hidden["children"]:
        assert child["published_at"] is None
        assert_not_public(public, child["public_code"])

    # Shipped, delivered and split by the buyer: the buyer's packs are public at once.
    batch = client.post("/batches", json=batch_body(code=_guessable()), headers=producer).json()
    buyer = _ship(client, batch, producer)
    delivered = {"status": "delivered"}
    assert client.post(f"/batches/{batch['id']}/status", json=delivered, headers=buyer).is_success
    split = client.post(f"/batches/{batch['id']}/split", json=parts(), headers=buyer).json()
    for child in split["children"]:
        assert child["published_at"] is not None
        view = public.get(f"/api/v1/public/batches/{child['public_code']}").json()
        assert view["parent_code"] == batch["public_code"]
