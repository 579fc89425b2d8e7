"""`just bench-webhooks`: what the webhook outbox costs a write, how many events one delivery
worker sends a second to a fast receiver, and the delay from a change's commit to its delivery
while writes go on.

Starts its own PostgreSQL (scripts/dev-services.sh, under .data/bench-webhooks), migrates a
fresh database, and drives the real use cases and adapters in this process: recording a
transaction on a lot (the write a partner hears of as `transaction.recorded`) with the outbox
and, interleaved in the same run, with an outbox that writes nothing; then one worker
(`DeliveryWorker`, the loop `python -m api webhooks` runs) sends a queued backlog to a receiver
in another process, and finally a steady stream of writes is delivered as it commits. Prints a
markdown section for docs/benchmarks.md.
"""

import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
from tortoise import Tortoise, connections

from api.application.registration import personal_organisation
from api.application.transactions import Transactions
from api.application.webhooks import Dispatcher
from api.domain.audit import RequestContext
from api.domain.batches import NewBatch, Origin, Unit
from api.domain.transactions import EventType, NewTransaction
from api.domain.users import Actor, Role
from api.domain.webhooks import (
    OutboxEvent,
    RetryPolicy,
    Subscription,
    SubscriptionState,
    new_secret,
)
from api.infrastructure.clock import SystemClock
from api.infrastructure.db.audit import PgAuditLog
from api.infrastructure.db.batches import PgBatches
from api.infrastructure.db.config import tortoise_config
from api.infrastructure.db.events import PgEvents
from api.infrastructure.db.migrate import upgrade
from api.infrastructure.db.organisations import PgOrganisations
from api.infrastructure.db.transactions import PgTransactions
from api.infrastructure.db.unit_of_work import PgUnitOfWork
from api.infrastructure.db.users import PgUsers
from api.infrastructure.db.webhooks import PgDeliveryQueue, PgOutbox, PgWebhooks
from api.infrastructure.webhooks.metrics import WebhookMetrics
from api.infrastructure.webhooks.sender import HttpSender
from api.infrastructure.webhooks.worker import DeliveryWorker, WorkerPolicy
from api.webhook_worker import listen

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / ".data" / "bench-webhooks"
DATABASE = "agrobridge_bench_webhooks"
CTX = RequestContext(request_id="bench", user_agent="bench")
# The default of AGROBRIDGE_WEBHOOK_POLL_SECONDS: how often an idle worker looks.
POLL_SECONDS = 0.25
RECEIVER = """
import asyncio, sys
async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\\r\\n\\r\\n")
            length = int(next((l.split(b":")[1] for l in head.split(b"\\r\\n")
                               if l.lower().startswith(b"content-length")), b"0"))
            await reader.readexactly(length)
            writer.write(b"HTTP/1.1 204 No Content\\r\\n\\r\\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]))
    async with server:
        await server.serve_forever()
asyncio.run(main())
"""


class NoOutbox:
    """The same write without its event: the baseline of the outbox's cost."""

    async def emit(self, event: OutboxEvent) -> None:
        return None


def sh(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def services() -> str:
    script = str(ROOT / "scripts/dev-services.sh")
    sh(script, "start", str(DATA))
    env = dict(re.findall(r"export (\w+)=(\S+)", sh(script, "env", str(DATA))))
    return str(env["DATABASE_URL"]).strip("'\"")


async def fresh_database(admin_url: str) -> str:
    connection = await asyncpg.connect(admin_url.rsplit("/", 1)[0] + "/postgres")
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        await connection.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await connection.close()
    return admin_url.rsplit("/", 1)[0] + "/" + DATABASE


@dataclass
class World:
    owner: Actor
    lots: list[UUID]
    subscription: Subscription


async def world(port: int, lots: int) -> World:
    now = datetime.now(UTC)
    user = await PgUsers().add(f"bench-{uuid4().hex[:8]}@example.com", "B", Role.PRODUCER, "x", now)
    await PgOrganisations().add(personal_organisation("B", Role.PRODUCER), now, user.id)
    owner = Actor(user.id, Role.PRODUCER)
    new = NewBatch("avocado", Origin("La Loma", "MX", "Michoacan"), now.date(), Decimal(1), Unit.KG)
    ids = [
        (await PgBatches().add(owner.org, new, f"B-{uuid4().hex[:10]}", now)).id
        for _ in range(lots)
    ]
    subscription = Subscription(
        uuid4(), owner.org, f"http://127.0.0.1:{port}/hooks", ("transaction.recorded",), None,
        SubscriptionState.ACTIVE, owner.id, now, now,
    )  # fmt: skip
    await PgWebhooks().add(subscription, new_secret())
    return World(owner, ids, subscription)


def use_case(outbox: object) -> Transactions:
    return Transactions(
        PgTransactions(), PgBatches(), PgAuditLog(), PgUnitOfWork(), SystemClock(), PgEvents(),
        outbox,  # type: ignore[arg-type]
    )  # fmt: skip


async def record(case: Transactions, w: World, lot: UUID) -> None:
    tx = NewTransaction("0x" + os.urandom(32).hex(), "polygon-amoy", EventType.SHIPPED)
    await case.record(w.owner, lot, tx, CTX)


async def outbox_cost(w: World, rounds: int, per_round: int) -> dict[str, float]:
    """Milliseconds per write, with and without the outbox, in interleaved rounds."""
    timings: dict[str, list[float]] = {"with": [], "without": []}
    cases = {"with": use_case(PgOutbox()), "without": use_case(NoOutbox())}
    for n in range(rounds):
        for name in ("with", "without") if n % 2 == 0 else ("without", "with"):
            for i in range(per_round):
                started = time.perf_counter()
                await record(cases[name], w, w.lots[i % len(w.lots)])
                timings[name].append((time.perf_counter() - started) * 1000)
    return {
        f"{name}_{stat}": fn(values)
        for name, values in timings.items()
        for stat, fn in (("p50", statistics.median), ("mean", statistics.fmean))
    }


def worker(concurrency: int) -> DeliveryWorker:
    queue = PgDeliveryQueue()
    dispatcher = Dispatcher(
        queue, HttpSender(5, allow_private=True), PgAuditLog(), PgUnitOfWork(), SystemClock(),
        RetryPolicy(),
    )  # fmt: skip
    policy = WorkerPolicy(
        concurrency, per_endpoint=concurrency, lease_seconds=60, poll_seconds=POLL_SECONDS
    )
    return DeliveryWorker(queue, dispatcher, policy, WebhookMetrics())


async def pending() -> int:
    rows = await connections.get("default").execute_query_dict(
        "SELECT count(*) AS n FROM webhook_deliveries WHERE state = 'pending'"
    )
    return int(rows[0]["n"])


async def listening(url: str) -> tuple[asyncio.Event, Any]:
    wake = asyncio.Event()
    return wake, await listen(url, wake)


async def throughput(w: World, events: int, concurrency: int) -> float:
    """Events a second one worker sends to the receiver, from a queued backlog."""
    outbox = PgOutbox()
    for i in range(events):
        lot = w.lots[i % len(w.lots)]
        at = datetime.now(UTC)
        await outbox.emit(
            OutboxEvent("transaction.recorded", lot, frozenset({w.owner.org}), {"i": i}, at)
        )
    stop = asyncio.Event()
    started = time.perf_counter()
    task = asyncio.create_task(worker(concurrency).run(stop))
    while await pending():  # noqa: ASYNC110 - the queue is in PostgreSQL: poll it
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    return events / elapsed


async def delay(w: World, url: str, writes: int, per_second: float) -> dict[str, float]:
    """Seconds from commit to acknowledgement while writes go on at a steady rate."""
    stop = asyncio.Event()
    wake, listener = await listening(url)
    task = asyncio.create_task(worker(32).run(stop, wake))
    case = use_case(PgOutbox())
    since = datetime.now(UTC)
    for i in range(writes):
        await record(case, w, w.lots[i % len(w.lots)])
        await asyncio.sleep(1 / per_second)
    while await pending():  # noqa: ASYNC110 - the queue is in PostgreSQL: poll it
        await asyncio.sleep(0.05)
    stop.set()
    await task
    if listener is not None:
        await listener.close()
    rows = await connections.get("default").execute_query_dict(
        "SELECT extract(epoch FROM d.delivered_at - e.created_at)::float8 AS s"
        " FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id"
        " WHERE e.created_at >= $1",
        [since],
    )
    delays = sorted(r["s"] for r in rows)
    return {
        "p50": statistics.median(delays),
        "p99": delays[min(len(delays) - 1, int(len(delays) * 0.99))],
        "count": len(delays),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def measure(admin: str, port: int) -> tuple[dict[str, float], float, dict[str, float]]:
    url = await fresh_database(admin)
    await upgrade(url, None)
    await Tortoise.init(config=tortoise_config(url, 2, 20), _enable_global_fallback=True)
    try:
        w = await world(port, lots=200)
        cost = await outbox_cost(w, rounds=6, per_round=100)
        rate = await throughput(w, events=3000, concurrency=32)
        lag = await delay(w, url, writes=600, per_second=40)
    finally:
        await Tortoise.close_connections()
    return cost, rate, lag


def main() -> None:
    admin = services()
    port = free_port()
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)])
    try:
        cost, rate, lag = asyncio.run(measure(admin, port))
    finally:
        receiver.terminate()
    print(report(cost, rate, lag))


def report(cost: dict[str, float], rate: float, lag: dict[str, float]) -> str:
    load = os.getloadavg()[0]
    added = cost["with_p50"] - cost["without_p50"]
    return "\n".join(
        [
            "## Webhooks",
            "",
            f"`python -m tests.bench.webhooks` ({datetime.now(UTC):%Y-%m-%dT%H:%M}Z,"
            f" {os.cpu_count()} cores shared with other work, 1-minute load average {load:.2f};"
            " PostgreSQL local; the receiver a bare asyncio HTTP/1.1 server in another process"
            f" answering 204; the worker woken by NOTIFY, polling every {POLL_SECONDS} s besides):",
            "",
            "| measure | value |",
            "|---|---|",
            "| recording a transaction (the use case of `POST /batches/{id}/transactions`) with"
            f" its outbox event, median / mean | {cost['with_p50']:.2f} /"
            f" {cost['with_mean']:.2f} ms |",
            "| the same write without it (same run, interleaved rounds), median / mean |"
            f" {cost['without_p50']:.2f} / {cost['without_mean']:.2f} ms |",
            f"| cost of the outbox per write, median | {added:.2f} ms |",
            "| events one worker delivers a second (3000 queued over 200 lots, concurrency 32)"
            f" | {rate:.0f} |",
            "| commit to delivery while writing 40 a second, median / P99"
            f" ({lag['count']:.0f} events) | {lag['p50'] * 1000:.0f} /"
            f" {lag['p99'] * 1000:.0f} ms |",
            "",
        ]
    )


if __name__ == "__main__":
    main()
