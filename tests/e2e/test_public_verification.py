"""Public verification by batch code, and the independent verifier agreeing with it."""

import asyncio
import io
import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import segno

from tests.e2e.conftest import PUBLIC_BASE_URL, assert_error, batch_body, sign_up, tx_hash, user_id
from tests.support.server import RunningServer

pytestmark = pytest.mark.e2e

VERIFIER = Path(__file__).resolve().parents[2] / "scripts" / "verify_chain.py"


@pytest.fixture
def public(server: RunningServer) -> httpx.Client:
    """No token, ever."""
    return httpx.Client(base_url=server.url, timeout=10)


def shipped_batch(
    client: httpx.Client, **overrides: Any
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """A batch with a few events: created, a transaction, shipped to a buyer, delivered."""
    producer, buyer = sign_up(client, "producer"), sign_up(client, "buyer")
    batch = client.post("/batches", json=batch_body(**overrides), headers=producer).json()
    path = f"/batches/{batch['id']}"
    steps = [
        (producer, "/transactions", {"tx_hash": tx_hash(), "network": "polygon-amoy",
                                     "event_type": "registered"}),
        (producer, "/status", {"status": "in_transit", "recipient": user_id(client, buyer)}),
        (buyer, "/status", {"status": "delivered"}),
    ]  # fmt: skip
    for auth, suffix, body in steps:
        answer = client.post(path + suffix, json=body, headers=auth)
        assert answer.is_success, answer.text
    return batch, producer, buyer


def verifier(source: str, stdin: str | None = None) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-I", str(VERIFIER), source],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def test_anyone_reads_a_batch_by_its_code_without_personal_data(
    client: httpx.Client, public: httpx.Client
) -> None:
    batch, producer, buyer = shipped_batch(client)
    answer = public.get(f"/api/v1/public/batches/{batch['code']}")
    assert answer.status_code == 200, answer.text
    view = answer.json()

    assert {k: view[k] for k in ("code", "product", "variety", "harvest_date", "quantity")} == {
        "code": batch["code"],
        "product": "avocado",
        "variety": "Hass",
        "harvest_date": "2026-10-02",
        "quantity": "1250.500",
    }
    assert view["origin"] == {"region": "Michoacan", "country": "MX", "farm": None}
    assert view["status"] == "delivered"
    assert [(e["type"], e["actor_role"]) for e in view["timeline"]] == [
        ("created", "producer"),
        ("transaction_recorded", "producer"),
        ("shipped", "producer"),
        ("delivered", "buyer"),
    ]
    [record] = view["transactions"]
    assert record["explorer_url"] == f"https://amoy.polygonscan.com/tx/{record['tx_hash']}"
    assert record["anchor_hash"] == view["timeline"][0]["hash"]
    assert view["verification"]["valid"] is True
    assert view["verify_url"] == f"{PUBLIC_BASE_URL}/verify/{batch['code']}"
    # Nothing that names a person: no email, no user id, not the farm without consent.
    text = answer.text
    for auth in (producer, buyer):
        me = client.get("/auth/me", headers=auth).json()
        assert me["email"] not in text
        assert me["id"] not in text
    assert "La Loma" not in text
    assert "data" not in view["timeline"][0]


def test_the_farm_is_named_only_when_the_producer_opted_in(
    client: httpx.Client, public: httpx.Client
) -> None:
    batch, _, _ = shipped_batch(client, farm_public=True)
    view = public.get(f"/api/v1/public/batches/{batch['code']}").json()
    assert view["origin"]["farm"] == "La Loma"


def test_public_answers_are_cacheable(client: httpx.Client, public: httpx.Client) -> None:
    batch, _, _ = shipped_batch(client)
    path = f"/api/v1/public/batches/{batch['code']}"
    first = public.get(path)
    # Kept by caches, but checked on every use: never a verdict older than the chain.
    assert first.headers["Cache-Control"] == "public, no-cache"
    etag = first.headers["ETag"]
    again = public.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    assert again.content == b""


def test_cacheable_answers_vary_on_the_origin_whichever_origin_asked(
    client: httpx.Client, public: httpx.Client
) -> None:
    """A shared cache must not hand the answer to another origin (or to none) to the allowed
    app: that answer has no CORS headers, and the app's browser would refuse it."""
    batch, _, _ = shipped_batch(client)
    paths = [f"/api/v1/public/batches/{batch['code']}", "/.well-known/jwks.json"]
    origins: list[dict[str, str]] = [
        {"Origin": "https://evil.example"},
        {},
        {"Origin": "https://app.example.com"},
    ]
    for path in paths:
        for origin in origins:
            answer = public.get(path, headers=origin)
            assert answer.headers["Cache-Control"].startswith("public"), path
            vary = {v.strip().lower() for v in answer.headers.get("Vary", "").split(",")}
            assert "origin" in vary, (path, origin, answer.headers)
        allowed = public.get(path, headers={"Origin": "https://app.example.com"})
        assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example.com"


def test_unknown_codes_are_404_and_say_nothing_about_other_codes(public: httpx.Client) -> None:
    answers = [
        public.get(f"/api/v1/public/batches/{code}")
        for code in (f"AGB-2026-{uuid.uuid4().int % 10**6:06d}", "x" * 200, "%00")
    ]
    messages = {assert_error(a, 404, "not_found")["message"] for a in answers}
    assert messages == {"no batch has this code"}
    assert all(a.headers["Cache-Control"] == "no-store" for a in answers)
    for suffix in ("qr.svg", "qr.png"):
        assert_error(public.get(f"/api/v1/public/batches/NOPE-1/{suffix}"), 404, "not_found")


def test_the_qr_codes_encode_the_public_page_url(
    client: httpx.Client, public: httpx.Client
) -> None:
    batch, _, _ = shipped_batch(client)
    expected = segno.make_qr(f"{PUBLIC_BASE_URL}/verify/{batch['code']}", error="m")

    svg = public.get(f"/api/v1/public/batches/{batch['code']}/qr.svg")
    png = public.get(f"/api/v1/public/batches/{batch['code']}/qr.png")

    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    same = io.BytesIO()
    expected.save(same, kind="svg", scale=4, border=4, xmldecl=False)
    assert svg.content == same.getvalue()


def test_the_verify_page_shows_the_verdict_without_scripts(
    client: httpx.Client, public: httpx.Client
) -> None:
    batch, _, _ = shipped_batch(client)
    page = public.get(f"/verify/{batch['code']}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert "✔ Verified" in page.text
    assert batch["code"] in page.text
    assert "<script" not in page.text.lower()
    missing = public.get("/verify/NOPE-404")
    assert missing.status_code == 404
    assert "No batch has this code" in missing.text


async def _alter(owner_database_url: str, batch_id: str, seq: int) -> None:
    """What someone with the database owner's role could do: switch the guard off and edit."""
    connection = await asyncpg.connect(owner_database_url)
    try:
        async with connection.transaction():
            await connection.execute(
                "ALTER TABLE batch_events DISABLE TRIGGER batch_events_no_update_or_delete"
            )
            await connection.execute(
                'UPDATE batch_events SET data = data || \'{"note": "never happened"}\' '
                "WHERE batch_id = $1 AND seq = $2",
                uuid.UUID(batch_id),
                seq,
            )
            await connection.execute(
                "ALTER TABLE batch_events ENABLE TRIGGER batch_events_no_update_or_delete"
            )
    finally:
        await connection.close()


def test_altering_history_in_the_database_shows_where_the_chain_breaks(
    client: httpx.Client, public: httpx.Client, server: RunningServer, owner_database_url: str
) -> None:
    batch, producer, _ = shipped_batch(client)
    url = f"{server.url}/api/v1/public/batches/{batch['code']}"
    intact = public.get(url).json()["verification"]
    assert intact["valid"] is True
    assert verifier(url) == (0, intact)
    owned = client.get(f"/batches/{batch['id']}/events", headers=producer).json()
    assert verifier("-", json.dumps(owned)) == (0, owned["verification"])

    asyncio.run(_alter(owner_database_url, batch["id"], seq=3))

    broken = public.get(url).json()["verification"]
    assert broken == {
        "valid": False,
        "length": 4,
        "head_hash": intact["head_hash"],
        "broken_at": {"reason": "hash_mismatch", "seq": 3, "tx_hash": None},
    }
    assert verifier(url) == (1, broken)
    owned = client.get(f"/batches/{batch['id']}/events", headers=producer).json()
    assert owned["verification"] == broken
    assert verifier("-", json.dumps(owned)) == (1, broken)
    page = public.get(f"/verify/{batch['code']}").text
    assert "✘ History altered" in page
    assert "breaks at event 3" in page
