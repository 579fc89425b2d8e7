"""`just seed-scale N`: fill a migrated database with N lots of a realistic shape, by COPY.

The shape (the same N and --seed always give the same rows):

- organisations: N / 200, at least 10 and at most 5,000, each a person's own (a user, the
  organisation with the same id, the person its owner); the first half produce, the rest buy;
- lots: every root lot is registered by a producer and has 5 to 20 events: `created`, for half
  of them 1 to 3 `transaction_recorded` (each with its transactions row, anchored to the chain's
  head), then shipments to buyers (`shipped`, `delivered`, ...). One root in twenty ends with a
  `split` three levels deep: it is split in two, the first part in two again, and its first
  part once more (6 sub-lots, each `created` from the split and shipped on, 2 to 5 events);
  N counts sub-lots: about a tenth of all lots are split, a quarter are sub-lots;
- every lot's chain is linked by the domain's own `link` (salted SHA-256, docs/security.md), so
  `verify` accepts it (the load ends by verifying 100 random lots' chains and anchors); salts
  come from the seeded generator (test data: not secret);
- audit_logs: the row each write implies (batch.created, batch.status_changed, batch.split,
  transaction.recorded);
- not made: EPCIS forms (epcis_events). Freezing one costs about 1.6 ms (the GS1 hash), hours
  for millions of events; the reads measured here do not read them.

Lots are made in chunks, each COPY'd in one transaction (batches, then events, transactions and
audit rows) while the next is made, with progress (lots and rows per second, time left) on
stderr. Into empty tables, their secondary indexes are dropped first and made again at the end
(same definitions). The database must be migrated (`python -m api migrate`) and should hold no
earlier seed of the same --seed.
"""

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from api.domain import history
from api.domain.batch_codes import PUBLIC_SEPARATOR
from api.domain.batches import Batch, BatchStatus, NewBatch, Origin, SplitKind, Unit
from api.domain.custody import EventType
from api.domain.events import BatchEvent, EventData, link, verify
from api.infrastructure.db import events, transactions
from api.infrastructure.db.batches import COLUMNS, batch_values
from api.infrastructure.db.events import event_from_row
from api.infrastructure.db.values import column_list

EVENT_COLUMNS = (
    "batch_id", "seq", "type", "at", "actor_role", "data", "prev_hash", "hash", "salt",
    "actor_id", "organisation_id",
)  # fmt: skip
AUDIT_COLUMNS = (
    "id", "at", "actor_id", "organisation_id", "action", "target_type", "target_id", "ip",
    "user_agent", "request_id", "metadata",
)  # fmt: skip
START = datetime(2030, 1, 1, tzinfo=UTC)
SYMBOLS = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
PRODUCTS = ("romaine", "avocado", "tomato", "spinach", "strawberry", "lime", "cucumber", "kale")
# The share of root lots split three levels deep (with their 6 sub-lots, about a tenth of all
# lots are split and a quarter are sub-lots), and the parts at each level.
SPLIT_ODDS, PARTS = 0.05, 2


def organisation_count(lots: int) -> int:
    return max(10, min(5_000, lots // 200))


@dataclass
class Rows:
    batches: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    transactions: list[tuple[Any, ...]] = field(default_factory=list)
    audit: list[tuple[Any, ...]] = field(default_factory=list)

    def count(self) -> int:
        return len(self.batches) + len(self.events) + len(self.transactions) + len(self.audit)


class Seeder:
    def __init__(self, lots: int, seed: int) -> None:
        self.lots = lots
        self.rng = random.Random(seed)
        self.seed = seed
        self.orgs = [self.new_id() for _ in range(organisation_count(lots))]
        half = len(self.orgs) // 2
        self.producers, self.buyers = self.orgs[:half], self.orgs[half:]
        self.made = 0

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def hex(self, size: int) -> str:
        return self.rng.randbytes(size).hex()

    def register(
        self, new: NewBatch, owner: uuid.UUID, code: str, at: datetime, parent: uuid.UUID | None
    ) -> Batch:
        """As the API registers a lot, with its id and public code's suffix from the seed."""
        batch = new.register(owner, code, at, parent, owner)
        suffix = "".join(self.rng.choices(SYMBOLS, k=6))
        return replace(batch, id=self.new_id(), public_code=code + PUBLIC_SEPARATOR + suffix)

    def event(
        self, rows: Rows, batch: Batch, head: BatchEvent | None, kind: str, at: datetime,
        data: EventData, by: uuid.UUID,
    ) -> BatchEvent:  # fmt: skip
        made = link(batch.id, head, kind, at, "producer", data, salt=self.rng.randbytes(32))
        rows.events.append((
            made.batch_id, made.seq, made.type, made.at, made.actor_role, json.dumps(data),
            made.prev_hash, made.hash, made.salt.hex(), by, by,
        ))  # fmt: skip
        return made

    def audit(
        self, rows: Rows, at: datetime, by: uuid.UUID, action: str, target: tuple[str, Any],
        metadata: dict[str, Any],
    ) -> None:  # fmt: skip
        rows.audit.append((
            self.new_id(), at, by, by, action, target[0], str(target[1]), "192.0.2.10",
            "seed-scale", self.hex(16), json.dumps(metadata),
        ))  # fmt: skip

    def ship(
        self, rows: Rows, batch: Batch, head: BatchEvent, at: datetime, moves: int
    ) -> tuple[Batch, BatchEvent, datetime]:
        """`moves` custody events: shipped to a buyer, delivered, shipped on, ..."""
        holder = batch.owner_id
        for move in range(moves):
            at += timedelta(hours=self.rng.randint(1, 48))
            if move % 2 == 0:
                to = self.rng.choice(self.buyers)
                head = self.event(
                    rows, batch, head, EventType.SHIPPED, at, history.status_changed(to), holder
                )
                status, published = BatchStatus.IN_TRANSIT, batch.published_at or at
                batch = replace_batch(batch, status, at, recipient_id=to, published_at=published)
                metadata = {"from": "registered", "to": "in_transit"}
            else:
                holder = batch.recipient_id or holder
                head = self.event(rows, batch, head, EventType.DELIVERED, at, {}, holder)
                batch = replace_batch(batch, BatchStatus.DELIVERED, at)
                metadata = {"from": "in_transit", "to": "delivered"}
            self.audit(rows, at, holder, "batch.status_changed", ("batch", batch.id), metadata)
        return batch, head, at

    def record_transaction(
        self, rows: Rows, batch: Batch, head: BatchEvent, at: datetime
    ) -> BatchEvent:
        tx_id, tx_hash = self.new_id(), "0x" + self.hex(32)
        rows.transactions.append((
            tx_id, batch.id, tx_hash, "polygon-amoy", "registered", "confirmed",
            self.rng.randint(1, 10**8), self.hex(32), at, at, head.hash,
        ))  # fmt: skip
        data = history.transaction_recorded(tx_hash, "polygon-amoy", head.hash)
        by = batch.owner_id
        made = self.event(rows, batch, head, EventType.TRANSACTION_RECORDED, at, data, by)
        metadata = {"batch_id": str(batch.id), "tx_hash": tx_hash}
        self.audit(rows, at, by, "transaction.recorded", ("transaction", tx_id), metadata)
        return made

    def root(self, rows: Rows, at: datetime) -> None:
        owner = self.rng.choice(self.producers)
        new = NewBatch(
            self.rng.choice(PRODUCTS), Origin(f"Farm {owner.hex[:6]}", "MX", "Michoacan"),
            date(2029, 12, 1) + timedelta(days=self.rng.randint(0, 30)),
            Decimal(self.rng.randint(100, 20_000)), Unit.KG, variety="green",
        )  # fmt: skip
        batch = self.register(new, owner, f"S{self.seed}-{self.made:09d}", at, None)
        head = self.event(rows, batch, None, EventType.CREATED, at, history.created(batch), owner)
        self.audit(rows, at, owner, "batch.created", ("batch", batch.id), {"code": batch.code})
        split = self.rng.random() < SPLIT_ODDS and self.made + 7 <= self.lots
        total = self.rng.randint(5, 20) - 1 - split
        for _ in range(self.rng.randint(1, 3) if self.rng.random() < 0.5 else 0):
            at += timedelta(minutes=self.rng.randint(1, 600))
            head, total = self.record_transaction(rows, batch, head, at), total - 1
        batch, head, at = self.ship(rows, batch, head, at, total)
        self.made += 1
        if split:
            batch = self.split(rows, batch, head, at + timedelta(hours=2), levels=3)
        rows.batches.append(tuple(batch_values(batch)))

    def split(
        self, rows: Rows, parent: Batch, head: BatchEvent, at: datetime, levels: int
    ) -> Batch:
        """Split `parent` in PARTS; the first part again, `levels` deep. Returns the parent as
        split (its row is the caller's to add)."""
        holder = parent.recipient_id or parent.owner_id
        share = (parent.quantity / PARTS).quantize(Decimal("0.001"))
        children = []
        for part in range(PARTS):
            code = f"{parent.code}-{part + 1}"
            new = NewBatch(
                parent.product, parent.origin, parent.harvest_date, share, parent.unit,
                variety=parent.variety, publish=parent.is_public, split_kind=SplitKind.DIVIDE,
            )  # fmt: skip
            child = self.register(new, holder, code, at, parent.id)
            data = history.created(child, parent_code=parent.code)
            first = self.event(rows, child, None, EventType.CREATED, at, data, holder)
            self.made += 1
            if part == 0 and levels > 1:
                child = self.split(rows, child, first, at + timedelta(hours=1), levels - 1)
            else:
                child, _, _ = self.ship(rows, child, first, at, self.rng.randint(2, 4))
            rows.batches.append(tuple(batch_values(child)))
            children.append(child)
        self.event(rows, parent, head, EventType.SPLIT, at, history.split(children), holder)
        metadata = {"children": [str(c.id) for c in children], "kind": "divide"}
        self.audit(rows, at, holder, "batch.split", ("batch", parent.id), metadata)
        return replace_batch(parent, BatchStatus.SPLIT, at)

    def chunks(self, size: int) -> Iterator[Rows]:
        while self.made < self.lots:
            rows = Rows()
            end = min(self.lots, self.made + size)
            while self.made < end:
                # Lots arrive over time, a few a minute, in code order.
                at = START + timedelta(seconds=self.made * 20 + self.rng.randint(0, 19))
                self.root(rows, at)
            # Parents before their parts (a part's code is its parent's and "-N"): the foreign
            # key is checked row by row.
            rows.batches.sort(key=lambda row: row[COLUMNS.index("code")].count("-"))
            yield rows


def replace_batch(batch: Batch, status: BatchStatus, at: datetime, **changes: Any) -> Batch:
    return replace(batch, status=status, updated_at=at, **changes)


async def people(connection: asyncpg.Connection, seeder: Seeder) -> None:
    at = START - timedelta(days=30)
    half = len(seeder.producers)
    users, orgs, members = [], [], []
    for n, org in enumerate(seeder.orgs):
        role = "producer" if n < half else "buyer"
        # Not a password hash anyone can log in with: these people only own the data.
        users.append(
            (org, f"seed-{seeder.seed}-{n}@example.com", f"Seed {n}", role, "!", True, at, at)
        )
        orgs.append((org, f"Seed organisation {n}", "MX", None, None, n < half, n >= half, at, at))
        members.append((seeder.new_id(), org, org, "owner", at, at))
    columns = {
        "users": ("id", "email", "full_name", "role", "password_hash", "is_active",
                  "created_at", "updated_at"),
        "organisations": ("id", "name", "country", "phone", "gln", "produces", "buys",
                          "created_at", "updated_at"),
        "memberships": ("id", "organisation_id", "user_id", "role", "created_at", "updated_at"),
    }  # fmt: skip
    for table, records in (("users", users), ("organisations", orgs), ("memberships", members)):
        await connection.copy_records_to_table(table, records=records, columns=columns[table])


# Secondary indexes of the tables the seed fills: dropped while a seed fills an empty table and
# made again at the end (the same definitions), as bulk loads do; keys and unique ones stay.
DEFERRED = """
SELECT i.indexname, i.indexdef FROM pg_indexes i
WHERE i.schemaname = 'public' AND i.tablename = ANY($1::text[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
  AND i.indexdef NOT LIKE 'CREATE UNIQUE%'
"""
FILLED = ("batches", "batch_events", "transactions", "audit_logs")


async def defer_indexes(connection: asyncpg.Connection) -> list[str]:
    """Drop the secondary indexes of the filled tables when they are empty; their definitions."""
    if await connection.fetchval("SELECT EXISTS (SELECT 1 FROM batches)"):
        return []
    rows = await connection.fetch(DEFERRED, list(FILLED))
    for row in rows:
        await connection.execute(f'DROP INDEX "{row["indexname"]}"')
    # A partitioned table's index reads back as `ON ONLY` the parent, which made again would
    # cover no partition: made without it, it is built on every partition.
    return [row["indexdef"].replace(" ON ONLY ", " ON ", 1) for row in rows]


async def load(database_url: str, lots: int, seed: int, chunk: int) -> dict[str, Any]:
    seeder = Seeder(lots, seed)
    connection = await asyncpg.connect(database_url)
    started = time.monotonic()
    rows = 0
    loop = asyncio.get_running_loop()
    chunks = seeder.chunks(chunk)
    try:
        # A throwaway load: losing the last commits in a crash costs nothing.
        await connection.execute("SET synchronous_commit = off")
        await connection.execute("SET maintenance_work_mem = '256MB'")
        deferred = await defer_indexes(connection)
        await people(connection, seeder)
        # The next chunk is made while PostgreSQL takes this one.
        pending = loop.run_in_executor(None, next, chunks, None)
        while (part := await pending) is not None:
            pending = loop.run_in_executor(None, next, chunks, None)
            async with connection.transaction():
                for table, records, columns in (
                    ("batches", part.batches, COLUMNS),
                    ("batch_events", part.events, EVENT_COLUMNS),
                    ("transactions", part.transactions, transactions.COLUMNS),
                    ("audit_logs", part.audit, AUDIT_COLUMNS),
                ):
                    await connection.copy_records_to_table(table, records=records, columns=columns)
            rows += part.count()
            progress(seeder.made, lots, rows, time.monotonic() - started)
        for n, definition in enumerate(deferred, start=1):
            print(f"index {n}/{len(deferred)}: {definition}", file=sys.stderr, flush=True)
            await connection.execute(definition)
        print("analyzing", file=sys.stderr, flush=True)
        await connection.execute("ANALYZE")
        checked = await check_chains(connection, seeder.orgs, 100)
    finally:
        await connection.close()
    seconds = time.monotonic() - started
    return {"lots": lots, "organisations": len(seeder.orgs), "rows": rows,
            "seconds": round(seconds, 1), "chains_verified": checked}  # fmt: skip


async def check_chains(
    connection: asyncpg.Connection, organisations: Sequence[uuid.UUID], sample: int
) -> int:
    """Verify the chains (and their transactions' anchors) of `sample` random lots of the
    seeded organisations, as the API does; how many were checked. A broken one stops the seed.
    Only the seed's own: a database may hold other lots (a test's, broken on purpose)."""
    ids = await connection.fetch(
        "SELECT id FROM batches WHERE owner_id = ANY($1::uuid[]) ORDER BY random() LIMIT $2",
        list(organisations),
        sample,
    )
    for (batch_id,) in ids:
        rows = await connection.fetch(
            f"SELECT {column_list(events.COLUMNS)} FROM batch_events"  # noqa: S608 - constant
            " WHERE batch_id = $1 ORDER BY seq",
            batch_id,
        )
        anchors = await connection.fetch(
            "SELECT tx_hash, anchor_hash FROM transactions WHERE batch_id = $1", batch_id
        )
        verdict = verify([event_from_row(dict(row)) for row in rows], anchors)
        if not verdict.valid:
            raise SystemExit(f"lot {batch_id}: chain broken: {verdict.broken_at}")
    return len(ids)


def progress(done: int, total: int, rows: int, seconds: float) -> None:
    rate = done / seconds if seconds else 0.0
    left = (total - done) / rate if rate else 0.0
    print(
        f"{done:,}/{total:,} lots ({done / total:.0%}), {rows:,} rows, "
        f"{rows / seconds:,.0f} rows/s, {rate:,.0f} lots/s, {left:,.0f} s left",
        file=sys.stderr,
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lots", type=int, help="how many lots (sub-lots included)")
    parser.add_argument("--database-url", required=True, help="a migrated database, as its owner")
    parser.add_argument("--seed", type=int, default=1, help="same seed, same rows")
    parser.add_argument("--chunk", type=int, default=5_000, help="lots per COPY transaction")
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(load(args.database_url, args.lots, args.seed, args.chunk))))


if __name__ == "__main__":
    main()
