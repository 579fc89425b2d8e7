import json
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from tortoise import connections

from api.domain.events import BatchEvent
from api.domain.users import Actor
from api.infrastructure.db import verdicts
from api.infrastructure.db.values import as_datetime, as_json, as_uuid, column_list
from api.infrastructure.metrics import timed

# The batch_events table's columns; event_from_row() is its one row mapper (the public
# snapshot reads through them too).
COLUMNS = ("batch_id", "seq", "type", "at", "actor_role", "data", "prev_hash", "hash", "salt",
           "legacy_hash")  # fmt: skip
INSERT = (
    f"INSERT INTO batch_events ({column_list(COLUMNS)}, actor_id, organisation_id) "  # noqa: S608
    "VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12)"
)
SELECT = f"SELECT {column_list(COLUMNS)} FROM batch_events WHERE batch_id = $1"  # noqa: S608
CHAIN = f"{SELECT} ORDER BY seq"
HEAD = f"{SELECT} ORDER BY seq DESC LIMIT 1"
HAS_HASH = "SELECT 1 FROM batch_events WHERE batch_id = $1 AND hash = $2"


def event_from_row(row: Mapping[str, Any]) -> BatchEvent:
    return BatchEvent(
        batch_id=as_uuid(row["batch_id"]),
        seq=row["seq"],
        type=row["type"],
        at=as_datetime(row["at"]),
        actor_role=row["actor_role"],
        data=as_json(row["data"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
        # Hex in the column: readable the same way through asyncpg and json_agg.
        salt=bytes.fromhex(row["salt"]),
        legacy_hash=row["legacy_hash"],
    )


class PgEvents:
    """Append and read batch chains. Appends run under the batch's row lock (the caller's
    transaction), so two writers never race for the same sequence number; each append keeps
    the chain's new verdict on its batch (verdicts.py), which the public view answers with."""

    @timed("db", "events.add")
    async def add(self, events: Sequence[BatchEvent], by: Actor | None = None) -> None:
        who = [by.id, by.org] if by else [None, None]
        values = [
            [e.batch_id, e.seq, e.type, e.at, e.actor_role, json.dumps(e.data), e.prev_hash, e.hash,
             e.salt.hex(), e.legacy_hash, *who]
            for e in events
        ]  # fmt: skip
        await connections.get("default").execute_many(INSERT, values)
        for batch_id in dict.fromkeys(e.batch_id for e in events):
            added = [e for e in events if e.batch_id == batch_id]
            # A new chain is what was just added: no need to read it back.
            new = added[0].seq == 1 and [e.seq for e in added] == list(range(1, len(added) + 1))
            await verdicts.seal(batch_id, added if new else await self.chain(batch_id))

    @timed("db", "events.head")
    async def head(self, batch_id: UUID) -> BatchEvent | None:
        rows = await connections.get("default").execute_query_dict(HEAD, [batch_id])
        return event_from_row(rows[0]) if rows else None

    @timed("db", "events.chain")
    async def chain(self, batch_id: UUID) -> list[BatchEvent]:
        rows = await connections.get("default").execute_query_dict(CHAIN, [batch_id])
        return [event_from_row(row) for row in rows]

    @timed("db", "events.has_hash")
    async def has_hash(self, batch_id: UUID, event_hash: str) -> bool:
        rows = await connections.get("default").execute_query_dict(HAS_HASH, [batch_id, event_hash])
        return bool(rows)
