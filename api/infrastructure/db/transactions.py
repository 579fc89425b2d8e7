from collections.abc import Sequence
from datetime import datetime
from uuid import UUID, uuid4

from api.application.pagination import Cursor
from api.domain.transactions import EventType, NewTransaction, Transaction, TxStatus
from api.infrastructure.db.batches import before
from api.infrastructure.db.errors import unique_as_conflict
from api.infrastructure.db.models import TransactionRow
from api.infrastructure.metrics import timed


def _to_transaction(row: TransactionRow) -> Transaction:
    return Transaction(
        id=row.id,
        batch_id=row.batch_id,  # type: ignore[attr-defined]
        tx_hash=row.tx_hash,
        network=row.network,
        event_type=EventType(row.event_type),
        status=TxStatus(row.status),
        block_number=row.block_number,
        payload_hash=row.payload_hash,
        created_at=row.created_at,
        confirmed_at=row.confirmed_at,
        anchor_hash=row.anchor_hash,
    )


class TortoiseTransactions:
    @timed("db", "transactions.add")
    async def add(self, batch_id: UUID, new: NewTransaction, at: datetime) -> Transaction:
        async with unique_as_conflict("this transaction hash is already recorded"):
            row = await TransactionRow.create(
                id=uuid4(),
                batch_id=batch_id,
                tx_hash=new.tx_hash,
                network=new.network,
                event_type=new.event_type,
                status=new.status,
                block_number=new.block_number,
                payload_hash=new.payload_hash,
                anchor_hash=new.anchor_hash,
                created_at=at,
                confirmed_at=at if new.status == TxStatus.CONFIRMED else None,
            )
        return _to_transaction(row)

    @timed("db", "transactions.by_hash")
    async def by_hash(self, tx_hash: str) -> Transaction | None:
        row = await TransactionRow.get_or_none(tx_hash=tx_hash)
        return _to_transaction(row) if row else None

    @timed("db", "transactions.page")
    async def page(self, batch_id: UUID, after: Cursor | None, limit: int) -> Sequence[Transaction]:
        query = TransactionRow.filter(batch_id=batch_id)
        if after is not None:
            query = query.filter(before(after))
        rows = await query.order_by("-created_at", "-id").limit(limit)
        return [_to_transaction(row) for row in rows]

    @timed("db", "transactions.oldest_first")
    async def oldest_first(self, batch_id: UUID, limit: int) -> Sequence[Transaction]:
        query = TransactionRow.filter(batch_id=batch_id).order_by("created_at", "id")
        rows = await query.limit(limit)
        return [_to_transaction(row) for row in rows]
