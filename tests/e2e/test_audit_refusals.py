"""Refusals reach the audit trail, within a limit per client (docs/security.md, audit trail)."""

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import PASSWORD, assert_error, batch_body, sign_up, user_id
from tests.e2e.test_tokens import forged_with_another_key

pytestmark = pytest.mark.e2e


def audit_rows(client: httpx.Client, auditor: dict[str, str], **filters: str) -> list[Any]:
    answer = client.get("/audit-logs", params={"limit": 100, **filters}, headers=auditor)
    assert answer.status_code == 200, answer.text
    rows: list[Any] = answer.json()["data"]
    return rows


def test_another_owners_batch_and_a_403_are_audited_as_denials(
    hardened_client: httpx.Client, client: httpx.Client, auditor: dict[str, str]
) -> None:
    owner = sign_up(hardened_client)
    batch = hardened_client.post("/batches", json=batch_body(), headers=owner).json()
    prober = sign_up(hardened_client)
    buyer = sign_up(hardened_client, role="buyer")

    peek = hardened_client.get(f"/batches/{batch['id']}", headers=prober)
    move = hardened_client.post(
        f"/batches/{batch['id']}/status", json={"status": "in_transit"}, headers=prober
    )
    create = hardened_client.post("/batches", json=batch_body(), headers=buyer)

    assert_error(peek, 404, "not_found")
    assert_error(move, 404, "not_found")
    assert_error(create, 403, "forbidden")
    prober_id = user_id(hardened_client, prober)
    denied = audit_rows(client, auditor, action="access.denied", actor_id=prober_id)
    assert sorted((r["metadata"]["status"], r["target_id"]) for r in denied) == [
        (404, batch["id"]),
        (404, batch["id"]),
    ]
    assert all(r["ip"] == "127.0.0.1" for r in denied)
    buyer_id = user_id(hardened_client, buyer)
    (refused,) = audit_rows(client, auditor, action="access.denied", actor_id=buyer_id)
    assert refused["metadata"]["status"] == 403


def test_forged_tokens_are_audited_up_to_a_limit_per_client(
    hardened_client: httpx.Client,
    client: httpx.Client,
    auditor: dict[str, str],
    signing_key: Path,
) -> None:
    forger = f"forger/{uuid.uuid4().hex}"
    token = forged_with_another_key(str(uuid.uuid4()), signing_key)
    for _ in range(8):
        answer = hardened_client.get(
            "/batches", headers={"Authorization": f"Bearer {token}", "User-Agent": forger}
        )
        assert_error(answer, 401, "unauthorized")

    rows = audit_rows(client, auditor, action="auth.token.rejected")
    mine = [r for r in rows if r["user_agent"] == forger]
    # The hardened server keeps at most 5 such rows per client and minute.
    assert 1 <= len(mine) <= 5
    assert mine[0]["ip"] == "127.0.0.1"
    assert mine[0]["metadata"]["reason"] == "access token is invalid"


def test_throttled_logins_name_the_targeted_account(
    hardened_client: httpx.Client, client: httpx.Client, auditor: dict[str, str]
) -> None:
    email = f"target-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": PASSWORD, "full_name": "Target"}
    target = hardened_client.post("/auth/register", json=body).json()["id"]
    wrong = {"email": email, "password": "not the password at all"}
    statuses = []
    for _ in range(10):
        statuses.append(hardened_client.post("/auth/login", json=wrong).status_code)
        if statuses[-1] == 429:
            break
    assert statuses[-1] == 429, statuses

    throttled = audit_rows(client, auditor, action="auth.login.throttled", target_id=target)
    assert throttled
    assert throttled[0]["metadata"]["email_domain"] == "example.com"


def test_a_clients_request_id_is_kept_apart_from_the_servers(
    hardened_client: httpx.Client, client: httpx.Client, auditor: dict[str, str]
) -> None:
    imitation = f"cli-{uuid.uuid4().hex[:16]}"
    body = {"email": f"rid-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD}
    made = hardened_client.post(
        "/auth/register",
        json={**body, "full_name": "Rid"},
        headers={"X-Request-ID": imitation},
    )
    assert made.headers["X-Request-ID"] == imitation

    (row,) = audit_rows(client, auditor, action="auth.registered", target_id=made.json()["id"])
    assert row["client_request_id"] == imitation
    assert row["request_id"] != imitation
    assert not row["request_id"].startswith("cli-")
