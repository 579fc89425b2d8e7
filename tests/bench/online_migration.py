"""How long a migration on a large table holds the API's writes: on `batches`, the plain CREATE
INDEX that a naive migration would run, then migration 13 (the same index, CONCURRENTLY), each
under the same writes; on `audit_logs`, migration 14 (partitioned by month) while the trail is
written (tests/support/writes.py). `just bench-migration --rows 1000000 --audit-rows 1000000`."""

import argparse
import tempfile
import time
from pathlib import Path

from tests.support.backends import Database
from tests.support.old_schema import database_before, migrate
from tests.support.writes import Writes, audit_fill, execute, fill_statements, record, writes

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True, help="a superuser's URL")
    parser.add_argument("--rows", type=int, default=1_000_000, help="lots")
    parser.add_argument("--audit-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        with database_before(args.database_url, Path(folder, "lots"), 13) as database:
            table = measure(database, args.rows)
        with database_before(args.database_url, Path(folder, "audit"), 14) as database:
            table.append(measure_audit(database, args.audit_rows))
    print("\n".join(table))


if __name__ == "__main__":
    main()
