"""The EPCIS forms of batch events: appended in the transaction that appends the event (under the
batch's row lock), read back in the order the events happened."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import orjson
from tortoise import connections

from api.domain.epcis.document import Event
from api.infrastructure.db.errors import unique_as_conflict
from api.infrastructure.db.values import as_json
from api.infrastructure.metrics import timed

INSERT = (
    "INSERT INTO epcis_events (batch_id, seq, event_id, event, created_at, capture_id) "
    "VALUES ($1, $2, $3, $4::jsonb, $5, $6)"
)
# The latest stored, ours or captured (an observation has no seq): in the order of the table.
LAST = "SELECT event FROM epcis_events WHERE batch_id = $1 ORDER BY id DESC LIMIT 1"
# In the order they happened (their batch events' times; an observation's, when it was
# captured), then in the order they were stored.
OF_BATCHES = """
SELECT e.event FROM epcis_events e
  LEFT JOIN batch_events b ON b.batch_id = e.batch_id AND b.seq = e.seq
 WHERE e.batch_id = ANY($1::uuid[])
 ORDER BY COALESCE(b.at, e.created_at), e.id
"""
KNOWN = "SELECT event_id FROM epcis_events WHERE event_id = ANY($1::text[])"
CAPTURED = """
SELECT event_id FROM epcis_events
 WHERE batch_id = ANY($1::uuid[]) AND capture_id IS NOT NULL
"""


class PgEpcisEvents:
    @timed("db", "epcis.add")
    async def add(
        self,
        batch_id: UUID,
        seq: int | None,
        event: Event,
        at: datetime,
        capture_id: UUID | None = None,
    ) -> None:
        values = [batch_id, seq, event["eventID"], orjson.dumps(event).decode(), at, capture_id]
        async with unique_as_conflict("this batch event's EPCIS form is stored already"):
            await connections.get("default").execute_query(INSERT, values)

    @timed("db", "epcis.last")
    async def last(self, batch_id: UUID) -> Event | None:
        rows = await connections.get("default").execute_query_dict(LAST, [batch_id])
        return as_json(rows[0]["event"]) if rows else None

    @timed("db", "epcis.of")
    async def of(self, batch_ids: Sequence[UUID]) -> list[Event]:
        rows = await connections.get("default").execute_query_dict(OF_BATCHES, [list(batch_ids)])
        return [as_json(row["event"]) for row in rows]

    @timed("db", "epcis.known")
    async def known(self, event_ids: Sequence[str]) -> set[str]:
        rows = await connections.get("default").execute_query_dict(KNOWN, [list(event_ids)])
        return {row["event_id"] for row in rows}

    @timed("db", "epcis.captured")
    async def captured(self, batch_ids: Sequence[UUID]) -> set[str]:
        rows = await connections.get("default").execute_query_dict(CAPTURED, [list(batch_ids)])
        return {row["event_id"] for row in rows}
