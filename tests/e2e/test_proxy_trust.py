"""Forwarding headers count only from trusted proxies (docs/security.md, client addresses)."""

import uuid

import httpx
import pytest

from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def test_a_client_outside_the_trusted_proxies_cannot_name_its_own_address(
    hardened_client: httpx.Client,
) -> None:
    email = f"spoof-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": PASSWORD, "full_name": "Spoofer"}
    assert hardened_client.post("/auth/register", json=body).status_code == 201
    spoofed = {"X-Forwarded-For": "203.0.113.9", "Forwarded": "for=203.0.113.9"}
    tokens = hardened_client.post(
        "/auth/login", json={"email": email, "password": PASSWORD}, headers=spoofed
    ).json()

    auth = {"Authorization": f"Bearer {tokens['access_token']}", **spoofed}
    sessions = hardened_client.get("/auth/sessions", headers=auth).json()["data"]

    assert [s["ip"] for s in sessions] == ["127.0.0.1"]
