"""Auditors read who did what; nobody else does, and nobody rewrites it."""

import uuid

import asyncpg
import httpx
import pytest

from tests.e2e.conftest import PASSWORD, assert_error, batch_body, sign_up, user_id

pytestmark = pytest.mark.e2e


def test_an_auditor_follows_a_producers_actions(
    client: httpx.Client, auditor: dict[str, str]
) -> None:
    producer = sign_up(client)
    batch = client.post(
        "/batches", json=batch_body(), headers=producer | {"X-Request-ID": "trace-me-1"}
    ).json()
    client.post(
        f"/batches/{batch['id']}/status",
        json={"status": "cancelled", "note": "hail"},
        headers=producer,
    )

    page = client.get(
        "/audit-logs", params={"actor_id": user_id(client, producer)}, headers=auditor
    ).json()
    actions = [e["action"] for e in page["data"]]
    assert actions[:2] == ["batch.status_changed", "batch.created"]
    assert "auth.login.succeeded" in actions
    created = page["data"][1]
    assert created["target_id"] == batch["id"]
    # The client's own id is kept beside ours, never in place of it.
    assert created["client_request_id"] == "trace-me-1"
    assert created["request_id"] != "trace-me-1"
    assert created["ip"] == "127.0.0.1"
    assert page["data"][0]["metadata"] == {"from": "registered", "to": "cancelled", "note": "hail"}


def test_failed_logins_are_on_record_without_the_password(
    client: httpx.Client, auditor: dict[str, str]
) -> None:
    email = f"audited-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": PASSWORD, "full_name": "A"}
    registered = client.post("/auth/register", json=body)
    assert registered.status_code == 201, registered.text
    failed = client.post("/auth/login", json={"email": email, "password": "guess-number-one"})
    assert failed.status_code == 401
    (entry,) = client.get(
        "/audit-logs",
        params={"actor_id": registered.json()["id"], "action": "auth.login.failed"},
        headers=auditor,
    ).json()["data"]
    assert entry["request_id"] == failed.headers["X-Request-ID"]
    assert "guess-number-one" not in str(entry)


def test_producers_may_not_read_the_audit_log(client: httpx.Client) -> None:
    assert_error(client.get("/audit-logs", headers=sign_up(client)), 403, "forbidden")


def test_the_audit_log_filters_by_time_and_pages(
    client: httpx.Client, auditor: dict[str, str]
) -> None:
    future = client.get("/audit-logs", params={"from": "2999-01-01T00:00:00Z"}, headers=auditor)
    assert future.json() == {"data": [], "next_cursor": None}
    # Pages of this test's own producer's entries: registration, login and three batches.
    producer = sign_up(client)
    for _ in range(3):
        assert client.post("/batches", json=batch_body(), headers=producer).status_code == 201
    mine: dict[str, str | int] = {"actor_id": user_id(client, producer), "limit": 2}
    seen: list[str] = []
    cursor = None
    while True:
        params = mine | ({"cursor": cursor} if cursor else {})
        page = client.get("/audit-logs", params=params, headers=auditor).json()
        assert len(page["data"]) <= 2
        seen += [entry["id"] for entry in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    everything = client.get("/audit-logs", params=mine | {"limit": 100}, headers=auditor).json()[
        "data"
    ]
    assert len(everything) >= 5
    assert seen == [entry["id"] for entry in everything]
    naive = client.get("/audit-logs", params={"from": "2026-01-01T00:00:00"}, headers=auditor)
    assert_error(naive, 400, "bad_request")


async def test_history_cannot_be_rewritten_even_by_the_tables_owner(
    owner_database_url: str,
) -> None:
    connection = await asyncpg.connect(owner_database_url)
    try:
        # Row triggers fire only on rows: make sure there is one, whatever ran before.
        await connection.execute(
            "INSERT INTO audit_logs (id, at, action, request_id, metadata)"
            " VALUES (gen_random_uuid(), now(), 'test.row', 'test', '{}')"
        )
        for statement in ("UPDATE audit_logs SET action = 'x'", "DELETE FROM audit_logs"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute(statement)
    finally:
        await connection.close()
