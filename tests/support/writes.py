"""API-like writes to `batches` while something else runs: each statement timed, and the waits
for locks that other sessions hold sampled as they happen (tests/integration/
test_online_migration.py, tests/bench/online_migration.py)."""

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import asyncpg

from tests.support.backends import run_sql
from tests.support.waiting import wait_until

WRITERS = 4
OWNER = uuid.UUID(int=1)


PRODUCTS = "ARRAY['Avocado', 'Mango', 'Coffee', 'Cocoa', 'Banana', 'Lime', 'Tomato', 'Pepper']"


def fill_statements(rows: int) -> list[str]:
    """One organisation's `rows` lots, eight products in turn, a minute apart."""
    return [
        # Constants and an int: nothing from outside.
        "INSERT INTO organisations (id, name, country, produces, buys, created_at, updated_at)"  # noqa: S608
        f" VALUES ('{OWNER}', 'Ana Farms', 'MX', true, false, now(), now())",
        "INSERT INTO batches (id, code, owner_id, product, origin_farm, origin_country,"  # noqa: S608
        " harvest_date, quantity, unit, status, created_at, updated_at, farm_public, public_code)"
        f" SELECT gen_random_uuid(), 'OLD-' || n, '{OWNER}', ({PRODUCTS})[1 + n % 8], 'La Loma',"
        " 'MX', '2026-10-20', 9, 'kg', 'registered', now() - n * interval '1 minute', now(),"
        f" false, 'OLD-' || n FROM generate_series(1, {rows:d}) AS n",
        "ANALYZE batches",
    ]


INSERT = (
    "INSERT INTO batches (id, code, owner_id, product, origin_farm, origin_country, harvest_date,"
    " quantity, unit, status, created_at, updated_at, farm_public, public_code)"
    " VALUES ($1, $2, $3, 'Avocado', 'La Loma', 'MX', '2026-10-20', 9, 'kg', 'registered', now(),"
    " now(), false, $2)"
)
SHIP = "UPDATE batches SET status = 'in_transit', updated_at = now() WHERE id = $1"
# A writer's statement waiting for a lock that another session holds (not a writer: their
# waits for each other, extending the table, are there with or without a migration).
WAITING = (
    "SELECT w.wait_event, b.query AS blocker FROM pg_stat_activity w"
    " JOIN pg_stat_activity b ON b.pid = ANY(pg_blocking_pids(w.pid))"
    " WHERE w.application_name = 'writes' AND w.wait_event_type = 'Lock'"
    " AND b.application_name IS DISTINCT FROM 'writes'"
)


Statements = Callable[[], list[tuple[str, tuple[object, ...]]]]


def register_and_ship() -> list[tuple[str, tuple[object, ...]]]:
    lot = uuid.uuid4()
    return [(INSERT, (lot, f"NEW-{lot.hex[:16]}", OWNER)), (SHIP, (lot,))]


# What the API's audit log writes (api/infrastructure/db/audit.py).
RECORD = (
    "INSERT INTO audit_logs (id, at, action, target_type, target_id, request_id, metadata)"
    " VALUES ($1, now(), 'batch.created', 'batch', $2, $3, '{}'::jsonb)"
)


def audit_fill(rows: int) -> str:
    """`rows` audit entries, one every five minutes back from now."""
    return (
        "INSERT INTO audit_logs (id, at, action, target_type, target_id, request_id, metadata)"  # noqa: S608
        " SELECT gen_random_uuid(), now() - n * interval '5 minutes', 'batch.created', 'batch',"
        f" 'OLD-' || n, 'old-' || n, '{{}}'::jsonb FROM generate_series(1, {rows:d}) AS n"
    )


def record() -> list[tuple[str, tuple[object, ...]]]:
    row = uuid.uuid4()
    return [(RECORD, (row, row.hex[:16], f"req-{row.hex}"))]


class Writes:
    """WRITERS sessions, each running `statements` (by default registering a lot and shipping
    it) again and again, as the API's writes do; each statement timed, what failed kept, and
    their waits for others' locks sampled every 10 ms."""

    def __init__(self, url: str, statements: Statements | None = None) -> None:
        self.url = url
        self.statements = statements or register_and_ship
        self.count = 0
        self.errors: list[str] = []
        self.longest = 0.0
        self.waits: list[str] = []  # each sampled wait: for what, and behind which statement
        self.stop = threading.Event()

    async def _writer(self) -> None:
        connection = await asyncpg.connect(self.url, server_settings={"application_name": "writes"})
        try:
            while not self.stop.is_set():
                for sql, args in self.statements():
                    started = time.monotonic()
                    try:
                        await connection.execute(sql, *args)
                    except asyncpg.PostgresError as exc:
                        self.errors.append(f"{type(exc).__name__}: {exc}")
                        continue
                    finally:
                        self.longest = max(self.longest, time.monotonic() - started)
                    self.count += 1
        finally:
            await connection.close()

    async def _watch(self) -> None:
        connection = await asyncpg.connect(self.url)
        try:
            while not self.stop.is_set():
                for row in await connection.fetch(WAITING):
                    self.waits.append(f"{row['wait_event']} behind {row['blocker']!r}")
                await asyncio.sleep(0.01)
        finally:
            await connection.close()

    async def run(self) -> None:
        await asyncio.gather(self._watch(), *(self._writer() for _ in range(WRITERS)))


@contextmanager
def writes(url: str, statements: Statements | None = None) -> Iterator[Writes]:
    running = Writes(url, statements)
    thread = threading.Thread(target=asyncio.run, args=(running.run(),))
    thread.start()
    try:
        assert wait_until(lambda: running.count > 20 or not thread.is_alive(), seconds=30)
        assert thread.is_alive(), "the writers stopped"
        yield running
    finally:
        running.stop.set()
        thread.join(timeout=60)


def execute(url: str, *statements: str) -> None:
    asyncio.run(run_sql(url, *statements))
