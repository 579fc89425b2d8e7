"""The public view of a batch in one round trip: the batch, its parent's code, its chain and its
transaction records (the hottest anonymous read)."""

from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from tortoise import connections

from api.application.ports import BatchSnapshot
from api.domain.events import BatchEvent
from api.domain.transactions import EventType, Transaction, TxStatus
from api.infrastructure.db.batches import BATCH_COLUMNS, batch_from_record
from api.infrastructure.metrics import timed

MAX_TRANSACTIONS = 1000
COLUMNS = ", ".join(f"b.{c.strip()}" for c in BATCH_COLUMNS.split(","))
SNAPSHOT = f"""
SELECT {COLUMNS}, p.code AS parent_code,
    (SELECT coalesce(json_agg(e ORDER BY e.seq), '[]')
       FROM (SELECT seq, type, at, actor_role, data, prev_hash, hash
               FROM batch_events WHERE batch_id = b.id) e) AS chain,
    (SELECT coalesce(json_agg(t ORDER BY t.created_at, t.id), '[]')
       FROM (SELECT id, tx_hash, network, event_type, status, block_number, payload_hash,
                    anchor_hash, created_at, confirmed_at
               FROM transactions WHERE batch_id = b.id
              ORDER BY created_at, id LIMIT {MAX_TRANSACTIONS}) t) AS records
FROM batches b LEFT JOIN batches p ON p.id = b.parent_id
WHERE b.code = $1
"""  # noqa: S608 - constant


def _time(text: str) -> datetime:
    # json_agg writes timestamptz as ISO 8601 with the offset, microseconds kept.
    return datetime.fromisoformat(text)


def _event(batch_id: UUID, row: dict[str, Any]) -> BatchEvent:
    return BatchEvent(
        batch_id, row["seq"], row["type"], _time(row["at"]), row["actor_role"], row["data"],
        row["prev_hash"], row["hash"],
    )  # fmt: skip


def _transaction(batch_id: UUID, row: dict[str, Any]) -> Transaction:
    return Transaction(
        id=UUID(row["id"]),
        batch_id=batch_id,
        tx_hash=row["tx_hash"],
        network=row["network"],
        event_type=EventType(row["event_type"]),
        status=TxStatus(row["status"]),
        block_number=row["block_number"],
        payload_hash=row["payload_hash"],
        created_at=_time(row["created_at"]),
        confirmed_at=_time(row["confirmed_at"]) if row["confirmed_at"] else None,
        anchor_hash=row["anchor_hash"],
    )


class TortoisePublicReads:
    @timed("db", "public.snapshot")
    async def snapshot(self, code: str) -> BatchSnapshot | None:
        rows = await connections.get("default").execute_query_dict(SNAPSHOT, [code])
        if not rows:
            return None
        row = rows[0]
        batch = batch_from_record(row)
        chain = [_event(batch.id, e) for e in orjson.loads(row["chain"])]
        records = [_transaction(batch.id, t) for t in orjson.loads(row["records"])]
        return BatchSnapshot(batch, row["parent_code"], chain, records)
