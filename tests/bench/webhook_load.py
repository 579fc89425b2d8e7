"""Webhooks under `just bench`'s load: while the scenarios run, a steady stream of writes that
partners hear of (`POST /batches/{id}/transactions`, `transaction.recorded`) goes through the
API, and a delivery worker (`python -m api webhooks`) sends each event to a receiver in another
process. What comes out is the delay from each event's commit to its delivery.

The API runs with staging's settings, which refuse to register an endpoint on a private address;
the subscription is therefore registered with a public name and then pointed at the local
receiver in the database, and the worker alone runs with AGROBRIDGE_WEBHOOK_ALLOW_PRIVATE_TARGETS
(a development setting) so that it may send there.
"""

import asyncio
import os
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

from tests.bench.webhooks import RECEIVER

ROOT = Path(__file__).resolve().parents[2]


class Writer(threading.Thread):
    """Records a transaction on the next lot every 1/per_second seconds until stopped, one at a
    time: when the API answers slower than that, the rate is what it allows."""

    def __init__(self, api: str, token: str, ids: list[str], per_second: float) -> None:
        super().__init__(daemon=True)
        self.api, self.token, self.ids, self.per_second = api, token, ids, per_second
        self.stop = threading.Event()
        self.sent = 0
        self.failed = 0
        self.seconds = 0.0

    def run(self) -> None:
        auth = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.api + "/api/v1", headers=auth, timeout=30) as client:
            started = time.monotonic()
            while not self.stop.is_set():
                lot = self.ids[self.sent % len(self.ids)]
                body = {
                    "tx_hash": "0x" + os.urandom(32).hex(),
                    "network": "polygon-amoy",
                    "event_type": "shipped",
                }
                response = client.post(f"/batches/{lot}/transactions", json=body)
                self.sent += 1
                self.failed += response.status_code != 201
                # A steady rate: wait for the next slot, not a fixed pause after each write.
                self.stop.wait(max(0.0, started + self.sent / self.per_second - time.monotonic()))
            self.seconds = time.monotonic() - started


async def subscribe(api: str, token: str, admin_url: str, receiver: str) -> str:
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=api + "/api/v1", headers=auth, timeout=30) as client:
        body = {
            "url": "https://receiver.example.com/hooks",
            "event_types": ["transaction.recorded"],
        }
        response = await client.post("/webhooks", json=body)
        response.raise_for_status()
        subscription = str(response.json()["id"])
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(
            "UPDATE webhook_subscriptions SET url = $1 WHERE id = $2::uuid", receiver, subscription
        )
    finally:
        await connection.close()
    return subscription


async def delays(admin_url: str, since: datetime, wait_seconds: float) -> dict[str, float]:
    """Seconds from each event's commit to its delivery, once the queue has drained."""
    connection = await asyncpg.connect(admin_url)
    try:
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            left = await connection.fetchval(
                "SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'"
            )
            if left == 0:
                break
            await asyncio.sleep(0.2)
        rows = await connection.fetch(
            "SELECT extract(epoch FROM d.delivered_at - e.created_at)::float8 AS s, d.state"
            " FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id"
            " WHERE e.created_at >= $1",
            since,
        )
    finally:
        await connection.close()
    seconds = sorted(r["s"] for r in rows if r["s"] is not None)
    if not seconds:
        return {"events": len(rows), "delivered": 0, "p50": 0.0, "p99": 0.0, "max": 0.0}
    return {
        "events": len(rows),
        "delivered": len(seconds),
        "p50": statistics.median(seconds),
        "p99": seconds[min(len(seconds) - 1, int(len(seconds) * 0.99))],
        "max": seconds[-1],
    }


def wait_for_line(log: Path, text: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise SystemExit(f"{log}: no {text!r} within {seconds:.0f} s")


@contextmanager
def webhook_traffic(
    api: str,
    token: str,
    ids: list[str],
    admin_url: str,
    worker_env: dict[str, str],
    data: Path,
    per_second: float = 20,
) -> Iterator[dict[str, float]]:
    """Writes partners hear of, delivered while the block runs; the yielded dict is filled with
    the writes' count and the commit-to-delivery delays when it ends."""
    from tests.bench.run import free_port, process

    port = free_port()
    result: dict[str, float] = {}
    with ExitStack() as stack:
        stack.enter_context(
            process([sys.executable, "-c", RECEIVER, str(port)], dict(os.environ), data / "rx.log")
        )
        asyncio.run(subscribe(api, token, admin_url, f"http://127.0.0.1:{port}/hooks"))
        env = worker_env | {
            "AGROBRIDGE_ENV": "development",
            "AGROBRIDGE_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
            "AGROBRIDGE_WEBHOOK_METRICS_PORT": "0",
        }
        log = data / "webhooks.log"
        stack.enter_context(process([sys.executable, "-m", "api", "webhooks"], env, log))
        wait_for_line(log, "webhook worker started", seconds=120)
        since = datetime.now(UTC)
        writer = Writer(api, token, ids, per_second)
        writer.start()
        try:
            yield result
        finally:
            writer.stop.set()
            writer.join(timeout=60)
        result.update(asyncio.run(delays(admin_url, since, wait_seconds=120)))
        rate = writer.sent / writer.seconds if writer.seconds else 0.0
        result.update({"writes": writer.sent, "failed_writes": writer.failed, "rate": rate})
