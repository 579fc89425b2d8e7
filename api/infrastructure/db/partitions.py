"""Monthly partitions of `audit_logs`, the table that grows forever, made months before rows
need them: by `python -m api partitions` (daily, from a systemd timer) and by every `migrate`.
A row whose month has none yet goes to the default partition, and moves when the month is made.

Nothing here drops a partition: the design sets no retention for the audit trail (docs/runbook.md,
"Audit log partitions", says how an operator archives old months). A partition is made on its
own and then attached, which locks the parent only against other schema changes
(SHARE UPDATE EXCLUSIVE), not against the API's inserts and reads; only an insert that would
land in the default partition waits, for the moment its waiting rows move.
"""

from datetime import UTC, datetime

from tortoise import BaseDBAsyncClient
from tortoise.transactions import in_transaction

TABLE = "audit_logs"
# Where a row goes when its month has no partition yet (the job did not run, a clock is far
# off): never refused, and moved to its month when the month is made.
DEFAULT = "audit_logs_default"
MONTHS_AHEAD = 3
# Two app hosts' timers may run at once: one makes the partitions, the other then finds them.
_LOCK = "SELECT pg_advisory_xact_lock(hashtext('agrobridge.partitions'))"
# The end of the last partition (the partitions are contiguous, so it is where the next begins).
_FRONTIER = """
    SELECT max((regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]
               ::timestamptz) AS frontier
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = $1::regclass
"""


def month_start(moment: datetime, months_later: int = 0) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months_later
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def partition_name(start: datetime) -> str:
    return f"{TABLE}_y{start.year:04d}m{start.month:02d}"


async def is_partitioned(db: BaseDBAsyncClient) -> bool:
    _, rows = await db.execute_query(
        "SELECT relkind = 'p' AS partitioned FROM pg_class WHERE oid = to_regclass($1)", [TABLE]
    )
    return bool(rows) and rows[0]["partitioned"] is True


def _attach(start: datetime, end: datetime) -> str:
    name = partition_name(start)
    since, until = start.isoformat(), end.isoformat()
    return f"""
        CREATE TABLE "{name}" (LIKE "{TABLE}" INCLUDING DEFAULTS);
        CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON "{name}"
            FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only();
        -- Rows written before their month had a partition wait in the default one: they move
        -- to it, unchanged (the append-only trigger lets this transaction alone through).
        ALTER TABLE "{DEFAULT}" DISABLE TRIGGER audit_logs_no_update_or_delete;
        WITH moved AS (
            DELETE FROM "{DEFAULT}" WHERE "at" >= '{since}' AND "at" < '{until}' RETURNING *
        )
        INSERT INTO "{name}" SELECT * FROM moved;
        ALTER TABLE "{DEFAULT}" ENABLE TRIGGER audit_logs_no_update_or_delete;
        ALTER TABLE "{TABLE}" ATTACH PARTITION "{name}" FOR VALUES FROM ('{since}') TO ('{until}');
    """  # noqa: S608 - names and bounds made here from dates


async def ensure_partitions(
    now: datetime | None = None, months_ahead: int = MONTHS_AHEAD, connection: str = "default"
) -> list[str]:
    """Make the missing monthly partitions up to `months_ahead` months after this one; return
    their names. A partition takes the parent's indexes and row triggers as it is attached."""
    until = month_start(now or datetime.now(UTC), months_ahead + 1)
    made: list[str] = []
    async with in_transaction(connection) as db:
        await db.execute_script("SET LOCAL lock_timeout = '5s'")
        await db.execute_query(_LOCK)
        _, rows = await db.execute_query(_FRONTIER, [TABLE])
        frontier = rows[0]["frontier"] if rows else None
        start = month_start(frontier or now or datetime.now(UTC))
        if frontier is not None and frontier != start:
            raise RuntimeError(f"{TABLE}'s last partition ends mid-month, at {frontier}")
        while start < until:
            end = month_start(start, 1)
            await db.execute_script(_attach(start, end))
            made.append(partition_name(start))
            start = end
    return made
