"""The EPCIS forms of batch events: appended in the transaction that appends the event (under the
batch's row lock), read back in the order the events happened, and found by GS1's
SimpleEventQuery through the keys each row carries (api/domain/epcis/query.py)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from tortoise import connections

from api.application.pagination import EventCursor
from api.application.ports import StoredEpcisEvent
from api.domain.epcis.document import Event
from api.domain.epcis.query import EventQuery, keys_of
from api.infrastructure.db.errors import unique_as_conflict
from api.infrastructure.db.values import as_json
from api.infrastructure.metrics import timed

INSERT = (
    "INSERT INTO epcis_events (batch_id, seq, event_id, event, created_at, event_type,"
    " event_time, biz_step, disposition, epc_classes, capture_id)"
    " VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11)"
)
STORED = "SELECT e.id, e.batch_id, e.event, e.created_at, e.event_time FROM epcis_events e"
BY_EVENT_ID = STORED + " WHERE e.event_id = $1"
# The events of the lots an organisation owns or received.
VISIBLE = (
    "e.batch_id IN (SELECT id FROM batches WHERE owner_id = {0}"
    " UNION ALL SELECT id FROM batches WHERE recipient_id = {0})"
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

OVERLAPS = "e.epc_classes && {}::text[]"
STARTS = (
    "EXISTS (SELECT 1 FROM unnest(e.epc_classes) c, unnest({}::text[]) p WHERE starts_with(c, p))"
)


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
        keys = keys_of(event)
        values = [
            batch_id, seq, event["eventID"], orjson.dumps(event).decode(), at, keys.event_type,
            keys.event_time, keys.biz_step, keys.disposition, list(keys.epc_classes), capture_id,
        ]  # fmt: skip
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

    @timed("db", "epcis.query")
    async def query(
        self, query: EventQuery, viewer: UUID | None, after: EventCursor | None, limit: int
    ) -> list[StoredEpcisEvent]:
        sql, params = query_sql(query, viewer, after, limit)
        rows = await connections.get("default").execute_query_dict(sql, params)
        return [_stored(row) for row in rows]

    @timed("db", "epcis.by_event_id")
    async def by_event_id(self, event_id: str) -> StoredEpcisEvent | None:
        rows = await connections.get("default").execute_query_dict(BY_EVENT_ID, [event_id])
        return _stored(rows[0]) if rows else None


def _stored(row: dict[str, Any]) -> StoredEpcisEvent:
    return StoredEpcisEvent(
        id=row["id"],
        batch_id=row["batch_id"],
        event=as_json(row["event"]),
        record_time=row["created_at"],
        event_time=row["event_time"],
    )


def query_sql(
    query: EventQuery, viewer: UUID | None, after: EventCursor | None, limit: int
) -> tuple[str, list[Any]]:
    """A keyset page in (event_time, id) order, which the index on those columns walks and
    stops after `limit` rows. Plain SQL from fixed fragments; every value is a bound parameter."""
    conditions: list[str] = []
    params: list[Any] = []

    def where(fragment: str, *values: Any) -> None:
        first = len(params) + 1
        params.extend(values)
        conditions.append(fragment.format(*(f"${first + i}" for i in range(len(values)))))

    if viewer is not None:
        where(VISIBLE, viewer)
    if query.event_types:
        where("e.event_type = ANY({}::text[])", list(query.event_types))
    if query.ge_event_time is not None:
        where("e.event_time >= {}", query.ge_event_time)
    if query.lt_event_time is not None:
        where("e.event_time < {}", query.lt_event_time)
    if query.biz_steps:
        where("e.biz_step = ANY({}::text[])", list(query.biz_steps))
    if query.dispositions:
        where("e.disposition = ANY({}::text[])", list(query.dispositions))
    # Whole classes through the GIN index; a pattern's prefix by starts_with (no LIKE, so `%`
    # and `_` in a URI mean themselves). Either may match.
    whole, started = list(query.epc_classes), list(query.epc_class_prefixes)
    if whole and started:
        where(f"({OVERLAPS} OR {STARTS})", whole, started)
    elif whole or started:
        where(OVERLAPS if whole else STARTS, whole or started)
    if query.event_ids:
        where("e.event_id = ANY({}::text[])", list(query.event_ids))
    if after is not None:
        where("(e.event_time, e.id) > ({}, {})", after.event_time, after.id)
    params.append(limit)
    sql = (
        STORED
        + (" WHERE " + " AND ".join(conditions) if conditions else "")
        + f" ORDER BY e.event_time, e.id LIMIT ${len(params)}"
    )
    return sql, params
