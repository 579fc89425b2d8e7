"""Sessions end when the user says so, at once, and a replayed refresh token ends one."""

import uuid

import httpx
import pytest

from tests.e2e.conftest import PASSWORD, assert_error

pytestmark = pytest.mark.e2e


def new_account(client: httpx.Client) -> str:
    email = f"session-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD, "full_name": "S"}
    assert client.post("/auth/register", json=body).status_code == 201
    return email


def log_in(client: httpx.Client, email: str, agent: str = "pytest") -> dict[str, str]:
    body = {"email": email, "password": PASSWORD}
    tokens: dict[str, str] = client.post(
        "/auth/login", json=body, headers={"User-Agent": agent}
    ).json()
    return tokens


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_logout_stops_the_access_token_at_once(client: httpx.Client) -> None:
    tokens = log_in(client, new_account(client))
    assert client.get("/auth/me", headers=bearer(tokens)).status_code == 200

    assert client.post("/auth/logout", headers=bearer(tokens)).status_code == 204

    error = assert_error(client.get("/auth/me", headers=bearer(tokens)), 401, "unauthorized")
    assert "revoked" in error["message"]
    refreshed = client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert_error(refreshed, 401, "unauthorized")


def test_replaying_a_spent_refresh_token_ends_the_whole_session(client: httpx.Client) -> None:
    first = log_in(client, new_account(client))
    second = client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]}).json()

    replay = client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert_error(replay, 401, "unauthorized")

    after = client.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert_error(after, 401, "unauthorized")
    assert_error(client.get("/auth/me", headers=bearer(second)), 401, "unauthorized")


def test_a_user_sees_their_sessions_and_ends_another_one(client: httpx.Client) -> None:
    email = new_account(client)
    laptop = log_in(client, email, agent="laptop")
    phone = log_in(client, email, agent="phone")

    listed = client.get("/auth/sessions", headers=bearer(laptop)).json()["data"]
    assert sorted(s["user_agent"] for s in listed) == ["laptop", "phone"]
    assert [s["current"] for s in listed if s["user_agent"] == "laptop"] == [True]
    phone_session = next(s["id"] for s in listed if s["user_agent"] == "phone")

    ended = client.delete(f"/auth/sessions/{phone_session}", headers=bearer(laptop))
    assert ended.status_code == 204
    assert_error(client.get("/auth/me", headers=bearer(phone)), 401, "unauthorized")
    assert client.get("/auth/me", headers=bearer(laptop)).status_code == 200
    remaining = client.get("/auth/sessions", headers=bearer(laptop)).json()["data"]
    assert [s["user_agent"] for s in remaining] == ["laptop"]
    missing = client.delete(f"/auth/sessions/{uuid.uuid4()}", headers=bearer(laptop))
    assert_error(missing, 404, "not_found")


def test_logout_all_ends_every_session(client: httpx.Client) -> None:
    email = new_account(client)
    laptop, phone = log_in(client, email), log_in(client, email)

    assert client.post("/auth/logout-all", headers=bearer(laptop)).status_code == 204

    for tokens in (laptop, phone):
        assert_error(client.get("/auth/me", headers=bearer(tokens)), 401, "unauthorized")
        refresh = client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert_error(refresh, 401, "unauthorized")
    assert client.get("/auth/me", headers=bearer(log_in(client, email))).status_code == 200


def test_a_common_password_is_refused(client: httpx.Client) -> None:
    body = {
        "email": f"{uuid.uuid4().hex[:8]}@example.com",
        "password": "Password1",
        "full_name": "W",
    }
    error = assert_error(client.post("/auth/register", json=body), 422, "validation_error")
    assert error["details"][0]["field"] == "password"
