"""How long a migration on a large table holds the API's writes: on `batches`, the plain CREATE
INDEX that a naive migration would run, then migration 13 (the same index, CONCURRENTLY), each
under the same writes; on `audit_logs`, migration 14 (partitioned by month) while the trail is
written (tests/support/writes.py). `just bench-migration --rows 1000000 --audit-rows 1000000`."""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from tests.support.backends import Database
from tests.support.old_schema import database_before, migrate
from tests.support.writes import (
    WRITERS,
    Writes,
    audit_fill,
    execute,
    fill_statements,
    record,
    writes,
)

PLAIN = 'CREATE INDEX "plain" ON batches (lower(product), created_at, id)'


def line(what: str, took: float, seen: Writes) -> str:
    return (
        f"| {what} | {took:.2f} | {seen.count:,} | {seen.longest * 1000:.0f} | {len(seen.waits)} |"
    )


def measure(database: Database, rows: int) -> list[str]:
    started = time.monotonic()
    execute(database.owner_url, *fill_statements(rows))
    print(f"filled {rows:,} lots in {time.monotonic() - started:.0f} s")
    table = [
        "| build | seconds | writes meanwhile | longest write, ms | samples of a write waiting |",
        "|---|---|---|---|---|",
    ]
    with writes(database.owner_url) as seen:
        started = time.monotonic()
        execute(database.owner_url, PLAIN)
        table.append(line("plain `CREATE INDEX`", time.monotonic() - started, seen))
    execute(database.owner_url, 'DROP INDEX "plain"')
    with writes(database.owner_url) as seen:
        started = time.monotonic()
        migrate(database)
        table.append(line("migration 13 (`CONCURRENTLY`)", time.monotonic() - started, seen))
    return table


def measure_audit(database: Database, rows: int) -> str:
    started = time.monotonic()
    execute(database.owner_url, audit_fill(rows))
    print(f"filled {rows:,} audit rows in {time.monotonic() - started:.0f} s")
    with writes(database.owner_url, record) as seen:
        started = time.monotonic()
        migrate(database)
        return line("migration 14 (`audit_logs` by month)", time.monotonic() - started, seen)


def write_rates(plain: Database, partitioned: Database, seconds: float, rounds: int) -> str:
    """Audit entries written per second by the four sessions into each table, in rounds that
    take turns, each table holding the same 100,000 entries to begin with."""
    rates: dict[str, list[float]] = {"plain": [], "partitioned": []}
    for _ in range(rounds):
        for name, database in (("plain", plain), ("partitioned", partitioned)):
            with writes(database.owner_url, record) as seen:
                before, started = seen.count, time.monotonic()
                time.sleep(seconds)
                rates[name].append((seen.count - before) / (time.monotonic() - started))
    plain_rate, partitioned_rate = (statistics.median(rates[n]) for n in rates)
    return (
        f"audit entries written per second by {WRITERS} sessions, median of {rounds} rounds of"
        f" {seconds:.0f} s: plain table {plain_rate:,.0f}, partitioned {partitioned_rate:,.0f}"
        f" ({partitioned_rate / plain_rate:.2f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True, help="a superuser's URL")
    parser.add_argument("--rows", type=int, default=1_000_000, help="lots")
    parser.add_argument("--audit-rows", type=int, default=1_000_000)
    parser.add_argument("--rate-seconds", type=float, default=10)
    parser.add_argument("--rate-rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        with database_before(args.database_url, Path(folder, "lots"), 13) as database:
            table = measure(database, args.rows)
        with database_before(args.database_url, Path(folder, "audit"), 14) as database:
            table.append(measure_audit(database, args.audit_rows))
        with (
            database_before(args.database_url, Path(folder, "plain"), 14) as plain,
            database_before(args.database_url, Path(folder, "partitioned"), 14) as partitioned,
        ):
            for database in (plain, partitioned):
                execute(database.owner_url, audit_fill(100_000))
            migrate(partitioned)
            rate = write_rates(plain, partitioned, args.rate_seconds, args.rate_rounds)
    print("\n".join(table))
    print(rate)


if __name__ == "__main__":
    main()
