"""The batch events FSMA 204 records are made of, a page at a time in (time, id) order: a keyset
walk of the batch_events (at, id) index, each event with its batch, and a delivery with its
shipment's data."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tortoise import connections

from api.domain.fsma.sources import EventFilter, StoredEvent
from api.infrastructure.db.batches import COLUMNS as BATCH_COLUMNS
from api.infrastructure.db.batches import batch_from_row
from api.infrastructure.db.values import as_datetime, as_json, column_list
from api.infrastructure.metrics import timed

# A delivery ends the batch's one shipment: its data names the document it travels under.
SHIPMENT = (
    "CASE WHEN e.type = 'delivered' THEN (SELECT s.data FROM batch_events s"
    " WHERE s.batch_id = e.batch_id AND s.type = 'shipped' ORDER BY s.seq DESC LIMIT 1) END"
)
SELECT = (
    "SELECT e.id AS event_id, e.type AS event_type, e.at AS event_at, e.data AS event_data,"  # noqa: S608 - constants
    f" {SHIPMENT} AS shipment_data, {column_list(BATCH_COLUMNS, 'b')}"
    " FROM batch_events e JOIN batches b ON b.id = e.batch_id"
)


def _query(
    filters: EventFilter, after: tuple[datetime, int] | None, limit: int
) -> tuple[str, list[Any]]:
    """The page's SQL, with only the conditions asked for (each a placeholder, never text), so
    that every page walks the index."""
    values: list[Any] = [list(filters.types)]
    where = ["e.type = ANY($1::text[])"]

    def given(value: Any) -> str:
        values.append(value)
        return f"${len(values)}"

    if filters.organisation_id is not None:
        org = given(filters.organisation_id)
        where.append(f"(b.owner_id = {org} OR b.recipient_id = {org})")
    if filters.start is not None:
        where.append(f"e.at >= {given(filters.start)}")
    if filters.end is not None:
        where.append(f"e.at < {given(filters.end)}")
    if filters.product is not None:
        where.append(f"lower(b.product) = lower({given(filters.product)})")
    if after is not None:
        where.append(f"(e.at, e.id) > ({given(after[0])}, {given(after[1])})")
    sql = f"{SELECT} WHERE {' AND '.join(where)} ORDER BY e.at, e.id LIMIT {given(limit)}"
    return sql, values


class PgRecordedEvents:
    @timed("db", "fsma.page")
    async def page(
        self, filters: EventFilter, after: tuple[datetime, int] | None, limit: int
    ) -> Sequence[StoredEvent]:
        sql, values = _query(filters, after, limit)
        rows = await connections.get("default").execute_query_dict(sql, values)
        return [
            StoredEvent(
                id=row["event_id"],
                batch=batch_from_row(row),
                type=row["event_type"],
                at=as_datetime(row["event_at"]),
                data=as_json(row["event_data"]),
                shipment=as_json(row["shipment_data"]) if row["shipment_data"] else None,
            )
            for row in rows
        ]
