"""Webhooks end to end: the API (`python -m api serve`) writes each change's event in its own
transaction; the delivery worker (`python -m api webhooks`, one or two processes) sends it to
real receivers that check every signature with an independent Standard Webhooks verifier."""

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.e2e.conftest import batch_body, server_env, sign_up, tx_hash, user_id
from tests.support.backends import Backends
from tests.support.processes import stop_group
from tests.support.receiver import Arrival, Receiver, receiving
from tests.support.server import RunningServer, api_server, free_port, run_module
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e

# Short timeouts, leases and backoff, so that recovery shows within seconds.
WORKER = {
    "AGROBRIDGE_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
    "AGROBRIDGE_WEBHOOK_TIMEOUT_SECONDS": "1",
    "AGROBRIDGE_WEBHOOK_LEASE_SECONDS": "3",
    "AGROBRIDGE_WEBHOOK_POLL_SECONDS": "0.05",
    "AGROBRIDGE_WEBHOOK_RETRY_FIRST_SECONDS": "0.05",
    "AGROBRIDGE_WEBHOOK_RETRY_CEILING_SECONDS": "0.3",
    "AGROBRIDGE_WEBHOOK_METRICS_PORT": "0",
    "AGROBRIDGE_LOG_JSON": "false",
}
ALL_TYPES = ["batch.shipped", "batch.delivered", "batch.rejected", "transaction.recorded"]


@pytest.fixture(scope="module")
def env(backends: Backends, database_url: str, signing_key: Path) -> dict[str, str]:
    return server_env(database_url, backends.redis_url, signing_key) | WORKER


@pytest.fixture(autouse=True)
def only_this_tests_webhooks(database_url: str) -> None:
    """Pause every webhook made before this test (other tiers share the database, the fuzzer's
    with made-up public URLs among them): the workers started here send to this test's
    receivers only, and nothing leaves the machine."""

    async def pause() -> None:
        connection = await asyncpg.connect(database_url)
        try:
            await connection.execute(
                "UPDATE webhook_subscriptions SET state = 'paused' WHERE state = 'active'"
            )
        finally:
            await connection.close()

    asyncio.run(pause())


@pytest.fixture(scope="module")
def server(
    env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """An API that accepts local endpoints (the receivers run on this machine)."""
    with api_server(env, tmp_path_factory.mktemp("webhooks") / "api.log", workers=1) as running:
        yield running


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url + "/api/v1", timeout=10) as http:
        yield http


@contextmanager
def worker(env: dict[str, str], log: Path, **extra: str) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m api webhooks`, started once it says so; stopped with SIGTERM after."""
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "api", "webhooks"],
            env={**os.environ, **env, **extra},
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        assert wait_until(
            lambda: "webhook worker started" in log.read_text() or process.poll() is not None, 60
        )
        assert process.poll() is None, log.read_text()
        yield process
    finally:
        stop_group(process)


def subscribe(client: httpx.Client, auth: dict[str, str], url: str) -> tuple[str, str]:
    made = client.post("/webhooks", json={"url": url, "event_types": ALL_TYPES}, headers=auth)
    assert made.status_code == 201, made.text
    return made.json()["id"], made.json()["secret"]


def lot(client: httpx.Client, producer: dict[str, str]) -> str:
    made = client.post("/batches", json=batch_body(), headers=producer)
    assert made.status_code == 201, made.text
    batch_id: str = made.json()["id"]
    return batch_id


def ship(client: httpx.Client, producer: dict[str, str], batch_id: str, buyer_id: str) -> None:
    body = {"status": "in_transit", "recipient": buyer_id}
    moved = client.post(f"/batches/{batch_id}/status", json=body, headers=producer)
    assert moved.status_code == 200, moved.text


def changes(client: httpx.Client, producer: dict[str, str], buyer: dict[str, str], n: int) -> int:
    """n lots shipped, then delivered or rejected, then anchored: 3 events each."""
    buyer_id = user_id(client, buyer)
    for i in range(n):
        batch_id = lot(client, producer)
        ship(client, producer, batch_id, buyer_id)
        body = {"status": "delivered"} if i % 2 else {"status": "rejected", "reason": "bruised"}
        moved = client.post(f"/batches/{batch_id}/status", json=body, headers=buyer)
        assert moved.status_code == 200, moved.text
        tx = {"tx_hash": tx_hash(), "network": "polygon-amoy", "event_type": "shipped"}
        recorded = client.post(f"/batches/{batch_id}/transactions", json=tx, headers=producer)
        assert recorded.status_code == 201, recorded.text
    return 3 * n


def in_lot_order(arrivals: list[Arrival]) -> bool:
    """Each lot's events were acknowledged in the order they happened."""
    seqs: dict[str, list[int]] = defaultdict(list)
    for arrival in arrivals:
        data = arrival.body["data"]
        seqs[data["batch_id"]].append(data["seq"])
    return all(s == sorted(s) for s in seqs.values())


def exactly_once(arrivals: list[Arrival], expected: int) -> bool:
    ids = [a.message_id for a in arrivals]
    return len(ids) == expected and len(set(ids)) == expected


def test_a_healthy_receiver_gets_every_committed_change_once_signed(
    client: httpx.Client, env: dict[str, str], tmp_path: Path
) -> None:
    producer, buyer = sign_up(client, "producer"), sign_up(client, "buyer")
    stranger = sign_up(client, "buyer")
    with (
        receiving(Receiver(free_port())) as ours,
        receiving(Receiver(free_port())) as theirs,
        receiving(Receiver(free_port())) as nobody,
    ):
        hook, secret = subscribe(client, producer, ours.url)
        ours.secrets.append(secret)
        theirs.secrets.append(subscribe(client, buyer, theirs.url)[1])
        nobody.secrets.append(subscribe(client, stranger, nobody.url)[1])
        # A change refused by the rules is no change: nothing is sent for it.
        refused = client.post(
            f"/batches/{lot(client, producer)}/status",
            json={"status": "delivered"},
            headers=producer,
        )
        assert refused.status_code in (403, 409), refused.text
        expected = changes(client, producer, buyer, 4)

        with worker(env, tmp_path / "worker.log"):
            assert wait_until(lambda: len(ours.acknowledged()) >= expected, 30)
            assert wait_until(lambda: len(theirs.acknowledged()) >= expected, 30)

            def all_delivered() -> bool:
                log = client.get(f"/webhooks/{hook}/deliveries", headers=producer).json()
                return {d["state"] for d in log["data"]} == {"delivered"}

            assert wait_until(all_delivered, 30)
            log = client.get(f"/webhooks/{hook}/deliveries", headers=producer).json()["data"]

        for receiver in (ours, theirs):
            arrivals = receiver.received()
            assert exactly_once(arrivals, expected)
            assert all(a.signed for a in arrivals)
            assert in_lot_order(arrivals)
        assert nobody.received() == []
        types = sorted(a.body["type"] for a in ours.received())
        assert types.count("batch.shipped") == 4
        assert types.count("transaction.recorded") == 4
        assert log[0]["message_id"] in {a.message_id for a in ours.received()}


def test_a_receiver_down_then_failing_then_hanging_gets_everything_in_lot_order(
    client: httpx.Client, env: dict[str, str], tmp_path: Path
) -> None:
    producer, buyer = sign_up(client, "producer"), sign_up(client, "buyer")
    port = free_port()
    hook, secret = subscribe(client, producer, f"http://127.0.0.1:{port}/hooks")
    expected = changes(client, producer, buyer, 3)

    def failing_then_hanging(number: int) -> int | None:
        if number <= 4:
            return 500
        if number <= 6:
            return None  # longer than the sender waits
        return 200

    with worker(env, tmp_path / "worker.log"):
        # Nobody listens yet: the first attempts fail and are retried.
        def tried() -> bool:
            log = client.get(f"/webhooks/{hook}/deliveries", headers=producer).json()["data"]
            return any(d["attempts"] > 0 for d in log)

        assert wait_until(tried, 30)
        receiver = Receiver(port, [secret], failing_then_hanging)
        with receiving(receiver):
            assert wait_until(lambda: len(receiver.acknowledged()) >= expected, 60)
            acknowledged = receiver.acknowledged()

    assert exactly_once(acknowledged, expected)
    assert in_lot_order(acknowledged)
    assert all(a.signed for a in receiver.received())
    assert sum(1 for a in receiver.received() if a.status == 500) == 4


def test_a_hanging_endpoint_does_not_delay_another(
    client: httpx.Client, env: dict[str, str], tmp_path: Path
) -> None:
    producer, buyer = sign_up(client, "producer"), sign_up(client, "buyer")
    with (
        receiving(Receiver(free_port(), behaviour=lambda _: None)) as stuck,
        receiving(Receiver(free_port())) as healthy,
    ):
        stuck.secrets.append(subscribe(client, producer, stuck.url)[1])
        healthy.secrets.append(subscribe(client, producer, healthy.url)[1])
        expected = changes(client, producer, buyer, 4)
        # Few slots, at most two per endpoint: the stuck one can never hold them all.
        few = {
            "AGROBRIDGE_WEBHOOK_CONCURRENCY": "4",
            "AGROBRIDGE_WEBHOOK_PER_ENDPOINT": "2",
            "AGROBRIDGE_WEBHOOK_TIMEOUT_SECONDS": "10",
            "AGROBRIDGE_WEBHOOK_LEASE_SECONDS": "30",
        }
        with worker(env, tmp_path / "worker.log", **few):
            assert wait_until(lambda: len(healthy.acknowledged()) >= expected, 30)
            # Meanwhile the stuck endpoint still holds its first two deliveries, unanswered.
            assert stuck.acknowledged() == []
            assert sum(stuck.in_flight.values()) <= 2
            stuck.released.set()  # so that the worker's stop need not wait for its timeout

    assert exactly_once(healthy.received(), expected)
    assert in_lot_order(healthy.received())


def test_a_worker_killed_mid_delivery_loses_nothing(
    client: httpx.Client, env: dict[str, str], tmp_path: Path
) -> None:
    producer, buyer = sign_up(client, "producer"), sign_up(client, "buyer")
    port = free_port()
    hook, secret = subscribe(client, producer, f"http://127.0.0.1:{port}/hooks")
    expected = changes(client, producer, buyer, 3)
    receiver = Receiver(port, [secret], lambda n: None if n <= 2 else 204)
    # Killed well within its timeout; its leases run out a few seconds later.
    slow = {"AGROBRIDGE_WEBHOOK_TIMEOUT_SECONDS": "4", "AGROBRIDGE_WEBHOOK_LEASE_SECONDS": "9"}

    with receiving(receiver):
        with worker(env, tmp_path / "first.log", **slow) as first:
            # Two deliveries are in flight, their receiver not answering: kill the worker now.
            assert wait_until(lambda: sum(receiver.in_flight.values()) >= 2, 30)
            in_flight = {m for m, n in receiver.in_flight.items() if n}
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        # What the dead worker had not recorded as acknowledged: the receiver's two hanging
        # answers, and any 204 that reached it too late to be recorded.
        log = client.get(f"/webhooks/{hook}/deliveries", headers=producer).json()["data"]
        unrecorded = {d["message_id"] for d in log if d["state"] == "pending"}
        assert in_flight <= unrecorded
        receiver.released.set()
        # Their leases run out and another worker sends them again.
        fast_lease = {"AGROBRIDGE_WEBHOOK_LEASE_SECONDS": "3"}
        with worker(env, tmp_path / "second.log", **fast_lease):
            assert wait_until(
                lambda: len({a.message_id for a in receiver.acknowledged()}) >= expected, 90
            )

    acknowledged = receiver.acknowledged()
    assert len({a.message_id for a in acknowledged}) == expected
    counts: dict[str, int] = defaultdict(int)
    for arrival in receiver.received():
        counts[arrival.message_id] += 1
    duplicated = {m for m, n in counts.items() if n > 1}
    # Sent twice only what the dead worker had not recorded as acknowledged.
    assert duplicated <= unrecorded
    assert in_flight <= duplicated
    assert in_lot_order([a for a in acknowledged])


def test_two_workers_never_send_one_event_at_once(
    client: httpx.Client, env: dict[str, str], tmp_path: Path
) -> None:
    producer, buyer = sign_up(client, "producer"), sign_up(client, "buyer")
    with receiving(Receiver(free_port())) as receiver:
        receiver.secrets.append(subscribe(client, producer, receiver.url)[1])
        expected = changes(client, producer, buyer, 8)
        with (
            worker(env, tmp_path / "a.log", AGROBRIDGE_WEBHOOK_CONCURRENCY="4"),
            worker(env, tmp_path / "b.log", AGROBRIDGE_WEBHOOK_CONCURRENCY="4"),
        ):
            assert wait_until(lambda: len(receiver.acknowledged()) >= expected, 60)
        arrivals = receiver.received()

    assert exactly_once(arrivals, expected)
    assert max(receiver.most_at_once.values()) == 1
    assert in_lot_order(arrivals)
    logs = (tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()
    assert "Traceback" not in logs


def test_a_worker_refuses_private_targets_unless_allowed(
    client: httpx.Client, env: dict[str, str], tmp_path: Path
) -> None:
    producer, buyer = sign_up(client, "producer"), sign_up(client, "buyer")
    with receiving(Receiver(free_port())) as receiver:
        # Made while the setting allowed it; the worker checks again before every send.
        https = receiver.url.replace("http://", "https://")
        hook, secret = subscribe(client, producer, https)
        receiver.secrets.append(secret)
        changes(client, producer, buyer, 1)
        with worker(env, tmp_path / "worker.log", AGROBRIDGE_WEBHOOK_ALLOW_PRIVATE_TARGETS="false"):

            def refused() -> bool:
                log = client.get(f"/webhooks/{hook}/deliveries", headers=producer).json()
                errors = [d["last_error"] or "" for d in log["data"]]
                return any(e == "refused: a loopback address" for e in errors)

            assert wait_until(refused, 30)
        assert receiver.received() == []
    # What the runbook's first look shows: the endpoint, what waits on it, and why.
    shown = run_module(["webhook-queue"], env)
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    [endpoint] = [e for e in report["endpoints"] if e["id"] == hook]
    assert endpoint["pending"] >= 1
    assert endpoint["last_error"].startswith("refused")
    assert report["queue"]["pending"] >= 1
    # Leave nothing for the other tests' workers to send.
    assert client.delete(f"/webhooks/{hook}", headers=producer).status_code == 204
