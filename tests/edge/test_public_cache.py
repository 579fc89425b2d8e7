"""Public answers through nginx's cache: kept at the edge, revalidated with the API on every
request, so a change to a lot's chain is never followed by its old verdict."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import batch_body, sign_up, user_id
from tests.edge.curl import Curl
from tests.edge.nginx import Site
from tests.support.server import RunningServer

pytestmark = pytest.mark.e2e


@pytest.fixture
def api(server: RunningServer) -> Iterator[httpx.Client]:
    """The lot's owners act on the API itself; only the public reads go through the edge."""
    with httpx.Client(base_url=server.url + "/api/v1", timeout=30) as client:
        yield client


def public_lot(api: httpx.Client) -> tuple[str, str, dict[str, str], dict[str, str]]:
    producer, buyer = sign_up(api, "producer"), sign_up(api, "buyer")
    created = api.post("/batches", json=batch_body(), headers=producer)
    assert created.status_code == 201, created.text
    batch_id = created.json()["id"]
    published = api.post(f"/batches/{batch_id}/publish", headers=producer)
    assert published.status_code == 200, published.text
    return batch_id, published.json()["public_code"], producer, buyer


def move(api: httpx.Client, auth: dict[str, str], batch_id: str, **body: Any) -> None:
    answer = api.post(f"/batches/{batch_id}/status", json=body, headers=auth)
    assert answer.status_code == 200, answer.text


def cache_statuses(site: Site, path: str, requests: int) -> list[str]:
    entries = site.access_log(requests, lambda e: e["request"] == f"GET {path} HTTP/2.0")
    return [e["cache"] for e in entries]


def test_a_changed_chain_is_never_answered_from_the_old_copy(
    edge: Curl, site: Site, api: httpx.Client
) -> None:
    batch_id, code, producer, buyer = public_lot(api)
    path = f"/api/v1/public/batches/{code}"

    first = edge.get(path)
    assert first.status == 200, first.body
    assert first.header("cache-control") == "public, no-cache"
    assert "x-accel-expires" not in first.headers
    view = first.json()
    assert (view["status"], view["verification"]["length"]) == ("registered", 1)

    # Kept, and revalidated with the API: the same answer, this request's own id.
    again = edge.get(path, headers={"X-Request-ID": "edge-cache-again"})
    assert again.status == 200
    assert again.body == first.body
    assert again.header("x-request-id") == "edge-cache-again"
    # A client holding the copy gets a 304.
    etag = first.header("etag")
    held = edge.get(path, headers={"If-None-Match": etag})
    assert held.status == 304
    assert held.body == b""
    assert cache_statuses(site, path, 3) == ["MISS", "REVALIDATED", "REVALIDATED"]

    move(api, producer, batch_id, status="in_transit", recipient=user_id(api, buyer))
    shipped = edge.get(path, headers={"If-None-Match": etag})
    assert shipped.status == 200
    assert shipped.header("etag") != etag
    view = shipped.json()
    assert view["status"] == "in_transit"
    assert [e["type"] for e in view["timeline"]] == ["created", "shipped"]
    assert view["verification"]["length"] == 2
    assert view["verification"]["head_hash"] == view["timeline"][-1]["hash"]

    # The person's page: read, the chain changes, read again at once.
    page = f"/verify/{code}"
    before = edge.get(page)
    assert "2 events" in before.body.decode()
    move(api, buyer, batch_id, status="delivered")
    after = edge.get(page)
    assert after.status == 200
    text = after.body.decode()
    assert "All 3 events" in text
    assert "delivered" in text.lower()
    assert edge.get(path).json()["verification"]["length"] == 3
    assert cache_statuses(site, page, 2) == ["MISS", "EXPIRED"]
