from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient

from api.application.pagination import Cursor
from api.domain.batches import (
    Batch,
    BatchFilter,
    BatchStatus,
    NewBatch,
    Origin,
    SplitKind,
    Unit,
)
from api.infrastructure.db.errors import unique_as_conflict
from api.infrastructure.db.models import BatchRow
from api.infrastructure.db.values import as_datetime, as_uuid, column_list
from api.infrastructure.metrics import timed
from api.infrastructure.per_turn import PerTurn

# The batches table's columns, in the order batch_values() gives them; batch_from_row() is
# its one row mapper (the public snapshot reads through them too).
COLUMNS = (
    "id", "code", "owner_id", "product", "variety", "origin_farm", "origin_region",
    "origin_country", "harvest_date", "quantity", "unit", "status", "created_at", "updated_at",
    "recipient_id", "parent_id", "farm_public", "public_code", "published_at", "created_by",
    "origin_location_id", "ship_from_id", "ship_to_id", "gtin", "split_kind",
)  # fmt: skip
SELECT = f"SELECT {column_list(COLUMNS)} FROM batches"  # noqa: S608 - constant
SELECT_BY_ID = f"{SELECT} WHERE id = $1"
SELECT_BY_PUBLIC_CODE = f"{SELECT} WHERE public_code = $1"
SELECT_BY_CODE = f"{SELECT} WHERE code = $1"
SELECT_BY_IDS = f"{SELECT} WHERE id = ANY($1::uuid[])"
SELECT_FOR_UPDATE = f"{SELECT} WHERE id = $1 FOR UPDATE"
INSERT = (
    f"INSERT INTO batches ({column_list(COLUMNS)}) "  # noqa: S608 - constant
    f"VALUES ({', '.join(f'${i}' for i in range(1, len(COLUMNS) + 1))})"
)


def batch_from_row(row: Mapping[str, Any]) -> Batch:
    return Batch(
        id=as_uuid(row["id"]),
        code=row["code"],
        owner_id=as_uuid(row["owner_id"]),
        product=row["product"],
        variety=row["variety"],
        origin=Origin(row["origin_farm"], row["origin_country"], row["origin_region"]),
        harvest_date=row["harvest_date"],
        quantity=row["quantity"],
        unit=Unit(row["unit"]),
        status=BatchStatus(row["status"]),
        created_at=as_datetime(row["created_at"]),
        updated_at=as_datetime(row["updated_at"]),
        recipient_id=row["recipient_id"] and as_uuid(row["recipient_id"]),
        parent_id=row["parent_id"] and as_uuid(row["parent_id"]),
        farm_public=row["farm_public"],
        public_code=row["public_code"],
        published_at=row["published_at"] and as_datetime(row["published_at"]),
        created_by=row["created_by"] and as_uuid(row["created_by"]),
        origin_location_id=row["origin_location_id"] and as_uuid(row["origin_location_id"]),
        ship_from_location_id=row["ship_from_id"] and as_uuid(row["ship_from_id"]),
        ship_to_location_id=row["ship_to_id"] and as_uuid(row["ship_to_id"]),
        gtin=row["gtin"],
        split_kind=row["split_kind"] and SplitKind(row["split_kind"]),
    )


def batch_values(batch: Batch) -> list[Any]:
    return [
        batch.id, batch.code, batch.owner_id, batch.product, batch.variety, batch.origin.farm,
        batch.origin.region, batch.origin.country, batch.harvest_date, batch.quantity,
        batch.unit.value, batch.status.value, batch.created_at, batch.updated_at,
        batch.recipient_id, batch.parent_id, batch.farm_public, batch.public_code,
        batch.published_at, batch.created_by, batch.origin_location_id,
        batch.ship_from_location_id, batch.ship_to_location_id, batch.gtin,
        batch.split_kind and batch.split_kind.value,
    ]  # fmt: skip


class PgBatches:
    def __init__(self) -> None:
        # Reads by id asked for in the same event-loop turn leave as one query: under load,
        # one `= ANY($1)` for all of them costs one round trip instead of one each.
        self._reads: PerTurn[UUID, Batch | None] = PerTurn(self._by_ids)

    @timed("db", "batches.add")
    async def add(
        self,
        owner_id: UUID,
        new: NewBatch,
        code: str,
        at: datetime,
        parent_id: UUID | None = None,
        created_by: UUID | None = None,
    ) -> Batch:
        batch = new.register(owner_id, code, at, parent_id, created_by)
        async with unique_as_conflict(f"batch code {code} is already taken"):
            await connections.get("default").execute_query(INSERT, batch_values(batch))
        return batch

    @timed("db", "batches.get")
    async def get(self, batch_id: UUID) -> Batch | None:
        # The hottest read of the API: concurrent reads share one query, unless this one
        # belongs to a transaction and must see its writes.
        client = connections.get("default")
        if not isinstance(client, TransactionalDBClient):
            return await self._reads.call(batch_id)
        rows = await client.execute_query_dict(SELECT_BY_ID, [batch_id])
        return batch_from_row(rows[0]) if rows else None

    @timed("db", "batches.by_public_code")
    async def by_public_code(self, public_code: str) -> Batch | None:
        rows = await connections.get("default").execute_query_dict(
            SELECT_BY_PUBLIC_CODE, [public_code]
        )
        return batch_from_row(rows[0]) if rows else None

    @timed("db", "batches.by_code")
    async def by_code(self, code: str) -> Batch | None:
        rows = await connections.get("default").execute_query_dict(SELECT_BY_CODE, [code])
        return batch_from_row(rows[0]) if rows else None

    async def _by_ids(self, ids: list[UUID]) -> list[Batch | None]:
        client = connections.get("default")
        if len(ids) == 1:
            rows = await client.execute_query_dict(SELECT_BY_ID, ids)
        else:
            rows = await client.execute_query_dict(SELECT_BY_IDS, [list(set(ids))])
        found = {row["id"]: batch_from_row(row) for row in rows}
        return [found.get(batch_id) for batch_id in ids]

    @timed("db", "batches.get_for_update")
    async def get_for_update(self, batch_id: UUID) -> Batch | None:
        rows = await connections.get("default").execute_query_dict(SELECT_FOR_UPDATE, [batch_id])
        return batch_from_row(rows[0]) if rows else None

    @timed("db", "batches.save_status")
    async def save_status(self, batch: Batch) -> None:
        await BatchRow.filter(id=batch.id).update(
            status=batch.status,
            updated_at=batch.updated_at,
            recipient_id=batch.recipient_id,
            published_at=batch.published_at,
            ship_from_id=batch.ship_from_location_id,
            ship_to_id=batch.ship_to_location_id,
        )

    @timed("db", "batches.page")
    async def page(
        self,
        owner_id: UUID | None,
        filters: BatchFilter,
        after: Cursor | None,
        limit: int,
        or_recipient: bool = False,
    ) -> Sequence[Batch]:
        # Plain SQL from fixed fragments; every value is a bound parameter.
        conditions: list[str] = []
        params: list[Any] = [] if owner_id is None else [owner_id]

        def where(fragment: str, *values: Any) -> None:
            params.extend(values)
            placeholders = [f"${len(params) - len(values) + i + 1}" for i in range(len(values))]
            conditions.append(fragment.format(*placeholders))

        if filters.status is not None:
            where("status = {}", filters.status.value)
        if filters.product is not None:
            where("lower(product) = lower({})", filters.product)
        if filters.created_from is not None:
            where("created_at >= {}", datetime.combine(filters.created_from, time(), UTC))
        if filters.created_to is not None and filters.created_to < date.max:
            end = datetime.combine(filters.created_to + timedelta(days=1), time(), UTC)
            where("created_at < {}", end)
        if after is not None:
            where("(created_at, id) < ({}, {})", after.created_at, after.id)
        params.append(limit)
        order = f" ORDER BY created_at DESC, id DESC LIMIT ${len(params)}"
        if owner_id is None:
            sql = SELECT + (" WHERE " + " AND ".join(conditions) if conditions else "") + order
        else:
            # One index walk per column, each stopping after a page, rather than an OR that
            # reads and sorts every batch the organisation ever owned or received.
            columns = ("owner_id", "recipient_id") if or_recipient else ("owner_id",)
            walks = [
                f"({SELECT} WHERE {' AND '.join([f'{column} = $1', *conditions])}{order})"
                for column in columns
            ]
            sql = (
                f"SELECT * FROM ({' UNION '.join(walks)}) AS theirs{order}"  # noqa: S608 - constant
                if len(walks) > 1
                else walks[0][1:-1]
            )
        rows = await connections.get("default").execute_query_dict(sql, params)
        return [batch_from_row(row) for row in rows]
