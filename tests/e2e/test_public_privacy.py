"""The public chain reveals nothing private: its hashes cannot be used to test guesses.

The attacks here are the ones that worked against the unsalted chain: an anonymous visitor
tests a list of farm names, and a producer tests the user ids of buyers it knows, against the
hashes the public view publishes for every event.
"""

import hashlib
import random
import uuid
from collections.abc import Iterable
from typing import Any

import httpx
import pytest

from api.domain.events import canonical
from tests.e2e.conftest import batch_body, sign_up, user_id
from tests.support.server import RunningServer

pytestmark = pytest.mark.e2e

# A farm-name dictionary of the size the attack was shown with, and a note list.
FARMS = [f"{kind} {name} {n}" for kind in ("Finca", "Rancho", "Huerta", "Granja")
         for name in ("La Loma", "El Roble", "San José", "Las Palmas", "El Mirador")
         for n in range(110)]  # fmt: skip
NOTES = [None] + [f"truck {n}" for n in range(50)]


@pytest.fixture
def public(server: RunningServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=10)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _event_hash(batch_id: str, event: dict[str, Any], data_hash: str) -> str:
    fields = {k: event[k] for k in ("seq", "type", "at", "actor_role", "prev_hash")}
    return _sha256(canonical(fields | {"batch_id": batch_id, "data_hash": data_hash}))


def _first_match(
    batch_id: str, event: dict[str, Any], guesses: Iterable[tuple[Any, dict[str, Any]]]
) -> Any:
    """The guess whose data hashes to what the event publishes, through its data_hash or its
    hash (whose other inputs are all public)."""
    for answer, data in guesses:
        data_hash = _sha256(canonical(data))
        if event.get("data_hash") == data_hash or event["hash"] == _event_hash(
            batch_id, event, data_hash
        ):
            return answer
    return None


def _created_data(view: dict[str, Any], farm: str) -> dict[str, Any]:
    """A lot's `created` data is public but for the farm's name."""
    origin = {k: view["origin"][k] for k in ("region", "country")} | {"farm": farm}
    return {"code": view["code"], "product": view["product"], "variety": view["variety"],
            "origin": origin, "harvest_date": view["harvest_date"],
            "quantity": view["quantity"], "unit": view["unit"]}  # fmt: skip


def dictionary_attack(view: dict[str, Any], buyer_ids: list[str]) -> tuple[Any, Any]:
    """What an anonymous visitor learns from the public view: (farm, (recipient_id, note))."""
    events = {e["type"]: e for e in view["timeline"]}
    farm = _first_match(
        view["batch_id"], events["created"], ((f, _created_data(view, f)) for f in FARMS)
    )
    shipped = (
        ((buyer, note), {"recipient_id": buyer} | ({"note": note} if note else {}))
        for buyer in buyer_ids
        for note in NOTES
    )
    return farm, _first_match(view["batch_id"], events["shipped"], shipped)


def test_the_public_timeline_cannot_be_used_to_test_guesses_of_private_data(
    client: httpx.Client, public: httpx.Client
) -> None:
    producer = sign_up(client)
    buyers = [sign_up(client, "buyer") for _ in range(3)]
    buyer_ids = [user_id(client, auth) for auth in buyers] + [str(uuid.uuid4()) for _ in range(40)]
    farm, recipient, note = random.choice(FARMS), buyer_ids[1], random.choice(NOTES[1:])
    origin = {"farm": farm, "region": "Michoacan", "country": "MX"}
    batch = client.post("/batches", json=batch_body(origin=origin), headers=producer).json()
    shipment = {"status": "in_transit", "recipient": recipient, "note": note}
    assert client.post(f"/batches/{batch['id']}/status", json=shipment, headers=producer).is_success

    answer = public.get(f"/api/v1/public/batches/{batch['public_code']}")
    view = answer.json()

    assert view["verification"]["valid"] is True
    assert dictionary_attack(view, buyer_ids) == (None, None)
    # Those who may see the data get each event's salt, and can check the published hash.
    owned = client.get(f"/batches/{batch['id']}/events", headers=producer).json()["data"]
    # The public never gets what opens a commitment.
    assert all(e["salt"] not in answer.text for e in owned)
    assert all(set(e) == set(view["timeline"][0]) for e in view["timeline"])
    assert not {"data", "salt", "legacy_hash"} & set(view["timeline"][0])
    for mine, published in zip(owned, view["timeline"], strict=True):
        salted = bytes.fromhex(mine["salt"]) + canonical(mine["data"])
        assert _sha256(salted) == mine["data_hash"] == published["data_hash"]
    assert (owned[0]["data"]["origin"]["farm"], owned[1]["data"]["recipient_id"]) == (
        farm,
        recipient,
    )


def test_the_same_attack_recovers_everything_from_unsalted_hashes(
    client: httpx.Client, public: httpx.Client
) -> None:
    """The attack above is a real one: given hashes of the unsalted data, it finds the farm
    and the recipient (so its failing against the public view means the salt hides them)."""
    producer, buyer = sign_up(client), sign_up(client, "buyer")
    farm, recipient = random.choice(FARMS), user_id(client, buyer)
    origin = {"farm": farm, "region": "Michoacan", "country": "MX"}
    batch = client.post("/batches", json=batch_body(origin=origin), headers=producer).json()
    shipment = {"status": "in_transit", "recipient": recipient, "note": "truck 7"}
    assert client.post(f"/batches/{batch['id']}/status", json=shipment, headers=producer).is_success
    view = public.get(f"/api/v1/public/batches/{batch['public_code']}").json()
    owned = client.get(f"/batches/{batch['id']}/events", headers=producer).json()["data"]

    unsalted = [
        {k: e[k] for k in ("seq", "type", "at", "actor_role", "prev_hash", "hash")}
        | {"data_hash": _sha256(canonical(e["data"]))}
        for e in owned
    ]

    assert dictionary_attack(view | {"timeline": unsalted}, [recipient]) == (
        farm,
        (recipient, "truck 7"),
    )
