from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.expressions import Q

from api.application.pagination import Cursor
from api.domain.transactions import EventType, NewTransaction, Transaction, TxStatus
from api.domain.users import Actor
from api.infrastructure.db.errors import unique_as_conflict
from api.infrastructure.db.models import TransactionRow
from api.infrastructure.db.values import as_datetime, as_uuid
from api.infrastructure.metrics import timed

# The transactions table's columns; transaction_from_row() is its one row mapper (the public
# snapshot reads through them too).
COLUMNS = (
    "id", "batch_id", "tx_hash", "network", "event_type", "status", "block_number",
    "payload_hash", "created_at", "confirmed_at", "anchor_hash",
)  # fmt: skip


def transaction_from_row(row: Mapping[str, Any]) -> Transaction:
    return Transaction(
        id=as_uuid(row["id"]),
        batch_id=as_uuid(row["batch_id"]),
        tx_hash=row["tx_hash"],
        network=row["network"],
        event_type=EventType(row["event_type"]),
        status=TxStatus(row["status"]),
        block_number=row["block_number"],
        payload_hash=row["payload_hash"],
        created_at=as_datetime(row["created_at"]),
        confirmed_at=row["confirmed_at"] and as_datetime(row["confirmed_at"]),
        anchor_hash=row["anchor_hash"],
    )


def older_than(cursor: Cursor) -> Q:
    """Rows past the cursor in newest-first (created_at, id) order: the older ones."""
    return Q(created_at__lt=cursor.created_at) | Q(created_at=cursor.created_at, id__lt=cursor.id)


class PgTransactions:
    @timed("db", "transactions.add")
    async def add(
        self, batch_id: UUID, new: NewTransaction, at: datetime, by: Actor | None = None
    ) -> Transaction:
        record = new.record(batch_id, at)
        values: dict[str, Any] = {column: getattr(record, column) for column in COLUMNS}
        if by is not None:
            values |= {"created_by": by.id, "organisation_id": by.org}
        async with unique_as_conflict("this transaction hash is already recorded"):
            await TransactionRow.create(**values)
        return record

    @timed("db", "transactions.by_hash")
    async def by_hash(self, tx_hash: str) -> Transaction | None:
        rows = await TransactionRow.filter(tx_hash=tx_hash).values(*COLUMNS)
        return transaction_from_row(rows[0]) if rows else None

    @timed("db", "transactions.page")
    async def page(self, batch_id: UUID, after: Cursor | None, limit: int) -> Sequence[Transaction]:
        query = TransactionRow.filter(batch_id=batch_id)
        if after is not None:
            query = query.filter(older_than(after))
        rows = await query.order_by("-created_at", "-id").limit(limit).values(*COLUMNS)
        return [transaction_from_row(row) for row in rows]

    @timed("db", "transactions.oldest_first")
    async def oldest_first(self, batch_id: UUID, limit: int) -> Sequence[Transaction]:
        query = TransactionRow.filter(batch_id=batch_id).order_by("created_at", "id")
        rows = await query.limit(limit).values(*COLUMNS)
        return [transaction_from_row(row) for row in rows]
