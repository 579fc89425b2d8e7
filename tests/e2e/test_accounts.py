"""Changing one's password and administering accounts (docs/API.md, docs/security.md)."""

import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import PASSWORD, assert_error, sign_up, user_id
from tests.support.server import run_module

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "a brand new winter passphrase"


def login(client: httpx.Client, email: str, password: str) -> httpx.Response:
    return client.post("/auth/login", json={"email": email, "password": password})


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_changing_the_password_ends_every_other_session(
    client: httpx.Client, auditor: dict[str, str]
) -> None:
    email = f"chpw-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": PASSWORD, "full_name": "Chris"}
    assert client.post("/auth/register", json=body).status_code == 201
    here, elsewhere = (login(client, email, PASSWORD).json() for _ in "ab")

    wrong = {"current_password": "not my password at all", "new_password": NEW_PASSWORD}
    assert_error(client.post("/auth/password", json=wrong, headers=bearer(here)), 403, "forbidden")
    weak = {"current_password": PASSWORD, "new_password": "password123"}
    refused = client.post("/auth/password", json=weak, headers=bearer(here))
    assert assert_error(refused, 422, "validation_error")["details"][0]["field"] == "new_password"
    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert client.post("/auth/password", json=change, headers=bearer(here)).status_code == 204

    assert client.get("/auth/me", headers=bearer(here)).status_code == 200
    assert_error(client.get("/auth/me", headers=bearer(elsewhere)), 401, "unauthorized")
    stale = client.post("/auth/refresh", json={"refresh_token": elsewhere["refresh_token"]})
    assert_error(stale, 401, "unauthorized")
    assert login(client, email, PASSWORD).status_code == 401
    assert login(client, email, NEW_PASSWORD).status_code == 200
    me = user_id(client, bearer(here))
    rows = client.get(
        "/audit-logs", params={"action": "auth.password.changed", "target_id": me}, headers=auditor
    ).json()["data"]
    assert len(rows) == 1


def make_admin(client: httpx.Client, database_url: str) -> tuple[str, dict[str, str]]:
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    made = run_module(
        ["create-user", email, "--role", "admin", "--full-name", "Ada", "--password-stdin"],
        {"DATABASE_URL": database_url},
        stdin=PASSWORD + "\n",
    )
    assert made.returncode == 0, made.stderr
    auth = bearer(login(client, email, PASSWORD).json())
    return user_id(client, auth), auth


def actions_on(client: httpx.Client, admin: dict[str, str], target: str) -> list[tuple[str, str]]:
    rows = client.get("/audit-logs", params={"target_id": target}, headers=admin).json()["data"]
    return [
        (row["action"], row["actor_id"])
        for row in reversed(rows)
        if row["action"].startswith("admin.")
    ]


def test_admins_list_deactivate_reactivate_and_change_roles(
    client: httpx.Client, database_url: str
) -> None:
    admin_id, admin = make_admin(client, database_url)
    producer = sign_up(client)
    producer_id = user_id(client, producer)

    listed = client.get("/users", params={"role": "producer"}, headers=admin).json()
    assert producer_id in [u["id"] for u in listed["data"]]
    assert {u["role"] for u in listed["data"]} == {"producer"}
    assert_error(client.get("/users", headers=producer), 403, "forbidden")
    # Its role in its organisation is read, and kept for its next requests.
    assert client.get("/batches", headers=producer).status_code == 200

    off = client.post(f"/users/{producer_id}/deactivate", headers=admin)
    assert off.status_code == 200
    assert off.json()["is_active"] is False
    # Its token stops working at once, and it cannot log in again.
    assert_error(client.get("/auth/me", headers=producer), 401, "unauthorized")
    assert_error(client.get("/batches", headers=producer), 401, "unauthorized")
    email = off.json()["email"]
    assert login(client, email, PASSWORD).status_code == 401

    on = client.post(f"/users/{producer_id}/reactivate", headers=admin)
    assert on.json()["is_active"] is True
    producer = bearer(login(client, email, PASSWORD).json())
    role = client.put(f"/users/{producer_id}/role", json={"role": "buyer"}, headers=admin)
    assert role.json()["role"] == "buyer"
    assert_error(client.get("/auth/me", headers=producer), 401, "unauthorized")
    assert login(client, email, PASSWORD).status_code == 200

    assert actions_on(client, admin, producer_id) == [
        ("admin.user.deactivated", admin_id),
        ("admin.user.reactivated", admin_id),
        ("admin.user.role_changed", admin_id),
    ]


def test_the_last_admin_cannot_lock_themselves_out(client: httpx.Client, database_url: str) -> None:
    first_id, first = make_admin(client, database_url)
    admins = client.get("/users", params={"role": "admin", "active": "true"}, headers=first)
    others = [u["id"] for u in admins.json()["data"] if u["id"] != first_id]
    for other in others:  # earlier tests' admins step down, leaving this one the last
        assert client.post(f"/users/{other}/deactivate", headers=first).status_code == 200

    alone = client.post(f"/users/{first_id}/deactivate", headers=first)
    assert_error(alone, 409, "conflict")
    demoted = client.put(f"/users/{first_id}/role", json={"role": "auditor"}, headers=first)
    assert_error(demoted, 409, "conflict")

    second_id, second = make_admin(client, database_url)
    assert client.post(f"/users/{first_id}/deactivate", headers=second).status_code == 200
    assert_error(client.get("/users", headers=first), 401, "unauthorized")
    assert_error(client.post(f"/users/{second_id}/deactivate", headers=second), 409, "conflict")
