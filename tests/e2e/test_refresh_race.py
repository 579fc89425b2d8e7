"""Racing refreshes of one token never fork the session (docs/security.md, refresh tokens)."""

import asyncio
import hashlib
import uuid

import asyncpg
import httpx
import pytest

from tests.e2e.conftest import PASSWORD
from tests.support.server import RunningServer

pytestmark = pytest.mark.e2e

RACERS = 20


async def live_tokens_of_family(database_url: str, refresh_token: str) -> int:
    token_hash = hashlib.sha256(refresh_token.encode()).hexdigest()
    connection = await asyncpg.connect(database_url)
    try:
        count: int = await connection.fetchval(
            "SELECT count(*) FROM refresh_tokens WHERE used_at IS NULL AND revoked_at IS NULL"
            " AND family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)",
            token_hash,
        )
        return count
    finally:
        await connection.close()


async def race(url: str, refresh_token: str) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=url + "/api/v1", timeout=60) as http:
        body = {"refresh_token": refresh_token}
        return list(
            await asyncio.gather(*(http.post("/auth/refresh", json=body) for _ in range(RACERS)))
        )


def test_twenty_concurrent_refreshes_leave_exactly_one_live_refresh_token(
    hardened: RunningServer, hardened_client: httpx.Client, database_url: str
) -> None:
    email = f"racer-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": PASSWORD, "full_name": "Racer"}
    assert hardened_client.post("/auth/register", json=body).status_code == 201
    login = hardened_client.post("/auth/login", json={"email": email, "password": PASSWORD})
    first = login.json()["refresh_token"]

    answers = asyncio.run(race(hardened.url, first))

    ok = [r.json() for r in answers if r.status_code == 200]
    assert all(r.status_code in (200, 409) for r in answers), [r.text for r in answers]
    assert ok, "at least the first refresh succeeds"
    assert len({pair["refresh_token"] for pair in ok}) == 1
    successor = ok[0]["refresh_token"]
    assert asyncio.run(live_tokens_of_family(database_url, first)) == 1
    # The one live token works; the session carries on as one chain.
    onward = hardened_client.post("/auth/refresh", json={"refresh_token": successor})
    assert onward.status_code == 200
    assert asyncio.run(live_tokens_of_family(database_url, first)) == 1
