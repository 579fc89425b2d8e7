"""PostgreSQL frozen, stopped or locked and Redis restarted or wiped: bounded 503s, no 500s,
no revoked token coming back, and recovery without a restart."""

import asyncio
import signal
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.e2e.conftest import PASSWORD
from tests.faults.conftest import LIMITS, Stack, create_batch, fault_env, producer
from tests.support.server import RunningServer, api_server
from tests.support.waiting import wait_until

pytestmark = pytest.mark.faults

ACQUIRE = float(LIMITS["AGROBRIDGE_DB_ACQUIRE_TIMEOUT_SECONDS"])
STATEMENT = float(LIMITS["AGROBRIDGE_DB_STATEMENT_TIMEOUT_SECONDS"])


def get(server: RunningServer, path: str, auth: dict[str, str]) -> httpx.Response:
    return httpx.get(server.url + "/api/v1" + path, headers=auth, timeout=60)


def test_a_revoked_token_stays_revoked_across_a_redis_restart(
    server: RunningServer, stack: Stack
) -> None:
    who = producer(server.url)
    assert get(server, "/auth/me", who.auth).status_code == 200
    logout = httpx.post(server.url + "/api/v1/auth/logout", headers=who.auth, json={}, timeout=10)
    assert logout.status_code == 204
    assert get(server, "/auth/me", who.auth).status_code == 401

    stack.restart_redis()

    answers = [get(server, "/auth/me", who.auth).status_code for _ in range(10)]
    assert answers == [401] * 10


def test_tokens_from_before_a_redis_data_loss_are_refused_then_new_ones_work(
    server: RunningServer, stack: Stack
) -> None:
    who, logged_out = producer(server.url), producer(server.url)
    assert get(server, "/auth/me", who.auth).status_code == 200
    # Logged out a moment after it was issued: within any tolerance for clock skew.
    logout = httpx.post(
        server.url + "/api/v1/auth/logout", headers=logged_out.auth, json={}, timeout=10
    )
    assert logout.status_code == 204

    # Redis comes back empty (no persistence, a new host): revocations may have been lost, the
    # logout's among them. Every token issued before is refused, however recent.
    asyncio.run(_flush(stack.redis_url))
    assert get(server, "/auth/me", who.auth).status_code == 401
    assert get(server, "/auth/me", logged_out.auth).status_code == 401

    email = f"again-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": PASSWORD, "full_name": "Again", "role": "producer"}
    assert httpx.post(server.url + "/api/v1/auth/register", json=body).status_code == 201
    login = httpx.post(
        server.url + "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
    ).json()
    fresh = {"Authorization": f"Bearer {login['access_token']}"}
    assert get(server, "/auth/me", fresh).status_code == 200


async def _flush(redis_url: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url)
    try:
        await client.flushall()
    finally:
        await client.aclose()


def test_a_frozen_postgres_gives_503s_within_the_bound_and_recovery_after(
    server: RunningServer, stack: Stack
) -> None:
    who = producer(server.url)
    batch = create_batch(server.url, who)
    stack.signal_postgres(signal.SIGSTOP)

    def timed_read(_: int) -> tuple[httpx.Response, float]:
        started = time.monotonic()
        return get(server, f"/batches/{batch['id']}", who.auth), time.monotonic() - started

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(timed_read, range(16)))
    finally:
        stack.signal_postgres(signal.SIGCONT)
    slowest = max(took for _, took in answers)
    statuses = Counter(r.status_code for r, _ in answers)
    print(f"frozen PostgreSQL: {dict(statuses)}, slowest answer {slowest:.2f} s")
    assert set(statuses) == {503}
    assert all(
        r.headers["Retry-After"] and r.json()["error"]["code"] == "unavailable" for r, _ in answers
    )
    # Every wait of each request is bounded: acquiring a connection, then the statement itself.
    # (plus slack for a busy machine; without the bounds each read hangs as long as PostgreSQL)
    assert slowest < ACQUIRE + STATEMENT + 5
    assert wait_until(lambda: get(server, f"/batches/{batch['id']}", who.auth).status_code == 200)


def test_one_locked_row_does_not_slow_reads_of_other_rows(
    server: RunningServer, stack: Stack
) -> None:
    owner, reader = producer(server.url), producer(server.url)
    hot = create_batch(server.url, owner)
    other = create_batch(server.url, reader)
    holding, release = threading.Event(), threading.Event()
    holder = threading.Thread(
        target=lambda: asyncio.run(_hold_lock(stack.database_url, hot["id"], holding, release))
    )
    holder.start()
    try:
        assert holding.wait(10)
        body = {"status": "cancelled"}
        url = server.url + f"/api/v1/batches/{hot['id']}/status"
        with ThreadPoolExecutor(max_workers=40) as pool:
            changes = [
                pool.submit(httpx.post, url, json=body, headers=owner.auth, timeout=60)
                for _ in range(40)
            ]
            # The changes now hold what they can: the row's lock, or their place in line.
            assert wait_until(lambda: stack.lock_waiters() > 0, seconds=10)
            started = time.monotonic()
            read = get(server, f"/batches/{other['id']}", reader.auth)
            took = time.monotonic() - started
            release.set()
            statuses = Counter(job.result().status_code for job in changes)
    finally:
        release.set()
        holder.join()
    print(f"read of another row during the lock: {took * 1000:.0f} ms; changes {dict(statuses)}")
    # Had the waiting changes held the pool, the read would have met the acquire bound (503).
    assert read.status_code == 200
    assert took < ACQUIRE + 1
    assert set(statuses) <= {200, 409, 503}
    assert 500 not in statuses


async def _hold_lock(
    url: str, batch_id: str, holding: threading.Event, release: threading.Event
) -> None:
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            await connection.execute("SELECT 1 FROM batches WHERE id = $1 FOR UPDATE", batch_id)
            holding.set()
            await asyncio.to_thread(release.wait)
    finally:
        await connection.close()


def test_a_postgres_shutdown_gives_503s_and_never_a_500(
    stack: Stack, signing_key: Path, tmp_path: Path
) -> None:
    with api_server(fault_env(stack, signing_key), tmp_path / "api.log", workers=2) as server:
        who = producer(server.url)
        batch = create_batch(server.url, who)
        statuses: Counter[int] = Counter()
        stop = threading.Event()

        def hammer() -> None:
            # A batch, and the caller's organisations (read with their membership first).
            paths = [f"/api/v1/batches/{batch['id']}", "/api/v1/organisations"]
            with httpx.Client(headers=who.auth, timeout=30) as http:
                while not stop.is_set():
                    for path in paths:
                        statuses[http.get(server.url + path).status_code] += 1

        threads = [threading.Thread(target=hammer) for _ in range(6)]
        for thread in threads:
            thread.start()
        try:
            assert wait_until(lambda: statuses[200] > 50, seconds=30)
            stack.stop_postgres()
            assert wait_until(lambda: statuses[503] > 20, seconds=30)
            stack.start()
            assert wait_until(lambda: statuses[200] > 0 and _serving(server, batch, who.auth))
        finally:
            stop.set()
            for thread in threads:
                thread.join()
    print(f"through a PostgreSQL stop and start: {dict(statuses)}")
    assert set(statuses) <= {200, 503}


def _serving(server: RunningServer, batch: dict[str, str], auth: dict[str, str]) -> bool:
    return get(server, f"/batches/{batch['id']}", auth).status_code == 200
