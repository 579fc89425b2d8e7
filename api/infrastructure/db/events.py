import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from tortoise import connections

from api.domain.events import BatchEvent
from api.infrastructure.metrics import timed

COLUMNS = "batch_id, seq, type, at, actor_role, data, prev_hash, hash"
INSERT = (
    f"INSERT INTO batch_events ({COLUMNS}) "  # noqa: S608 - constant
    "VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)"
)
CHAIN = f"SELECT {COLUMNS} FROM batch_events WHERE batch_id = $1 ORDER BY seq"  # noqa: S608
HEAD = f"SELECT {COLUMNS} FROM batch_events WHERE batch_id = $1 ORDER BY seq DESC LIMIT 1"  # noqa: S608
HAS_HASH = "SELECT 1 FROM batch_events WHERE batch_id = $1 AND hash = $2"


def _event(row: dict[str, Any]) -> BatchEvent:
    data = row["data"]
    return BatchEvent(
        batch_id=row["batch_id"],
        seq=row["seq"],
        type=row["type"],
        at=row["at"],
        actor_role=row["actor_role"],
        data=json.loads(data) if isinstance(data, str) else data,
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


class TortoiseEvents:
    """Append and read batch chains. Appends run under the batch's row lock (the caller's
    transaction), so two writers never race for the same sequence number."""

    @timed("db", "events.add")
    async def add(self, events: Sequence[BatchEvent]) -> None:
        values = [
            [e.batch_id, e.seq, e.type, e.at, e.actor_role, json.dumps(e.data), e.prev_hash, e.hash]
            for e in events
        ]
        await connections.get("default").execute_many(INSERT, values)

    @timed("db", "events.head")
    async def head(self, batch_id: UUID) -> BatchEvent | None:
        rows = await connections.get("default").execute_query_dict(HEAD, [batch_id])
        return _event(rows[0]) if rows else None

    @timed("db", "events.chain")
    async def chain(self, batch_id: UUID) -> list[BatchEvent]:
        rows = await connections.get("default").execute_query_dict(CHAIN, [batch_id])
        return [_event(row) for row in rows]

    @timed("db", "events.has_hash")
    async def has_hash(self, batch_id: UUID, event_hash: str) -> bool:
        rows = await connections.get("default").execute_query_dict(HAS_HASH, [batch_id, event_hash])
        return bool(rows)
