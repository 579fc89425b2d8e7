"""Use cases for the blockchain transaction records that anchor a batch's events."""

from dataclasses import dataclass, replace
from uuid import UUID

from api.application.batches_access import ensure_can_change, ensure_can_read
from api.application.pagination import Cursor, Page
from api.application.ports import (
    AuditLog,
    BatchRepository,
    Clock,
    EventRepository,
    Outbox,
    TransactionRepository,
    UnitOfWork,
)
from api.application.webhooks import report
from api.domain import history
from api.domain.audit import AuditEvent, RequestContext
from api.domain.custody import EventType
from api.domain.errors import Conflict, FieldIssue, ValidationFailed
from api.domain.events import link
from api.domain.transactions import NewTransaction, Transaction
from api.domain.users import Actor


@dataclass
class Transactions:
    repo: TransactionRepository
    batches: BatchRepository
    audit: AuditLog
    unit_of_work: UnitOfWork
    clock: Clock
    events: EventRepository
    # Partners' webhooks: written in the same transaction.
    outbox: Outbox

    async def record(
        self, actor: Actor, batch_id: UUID, new: NewTransaction, ctx: RequestContext
    ) -> tuple[Transaction, bool]:
        """Record a transaction; returns it and whether it is new. Idempotent on the hash."""
        new = replace(
            new,
            tx_hash=new.tx_hash.lower(),
            payload_hash=new.payload_hash.lower() if new.payload_hash else None,
            anchor_hash=new.anchor_hash.lower() if new.anchor_hash else None,
        )
        ensure_can_change(actor, await self.batches.get(batch_id), batch_id)
        existing = await self.repo.by_hash(new.tx_hash)
        if existing is not None:
            return self._same_batch(existing, batch_id), False
        try:
            record = await self._add(actor, batch_id, new, ctx)
        except Conflict:
            # Lost a race with a request recording the same hash: answer as if it came second.
            raced = await self.repo.by_hash(new.tx_hash)
            if raced is None:
                raise
            return self._same_batch(raced, batch_id), False
        return record, True

    async def _add(
        self, actor: Actor, batch_id: UUID, new: NewTransaction, ctx: RequestContext
    ) -> Transaction:
        now = self.clock.now()
        async with self.unit_of_work.atomic(serial_key=f"batch:{batch_id}"):
            # The row lock orders this event after any other change to the batch.
            batch = await self.batches.get_for_update(batch_id)
            head = await self.events.head(batch_id)
            if new.anchor_hash is None:
                new = replace(new, anchor_hash=head.hash if head else None)
            elif not await self.events.has_hash(batch_id, new.anchor_hash):
                raise ValidationFailed(
                    "anchor_hash is not the hash of an event of this batch",
                    [FieldIssue("anchor_hash", "not in this batch's event chain")],
                )
            record = await self.repo.add(batch_id, new, now, actor)
            data = history.transaction_recorded(record.tx_hash, record.network, new.anchor_hash)
            kind = EventType.TRANSACTION_RECORDED
            event = link(batch_id, head, kind, now, actor.role.value, data)
            await self.events.add([event], actor)
            if batch is not None:
                await report(self.outbox, batch, event)
            await self.audit.record(
                AuditEvent(
                    "transaction.recorded",
                    actor.id,
                    "transaction",
                    str(record.id),
                    ctx,
                    {"batch_id": str(batch_id), "tx_hash": record.tx_hash},
                ),
                now,
            )
        return record

    async def list(
        self, actor: Actor, batch_id: UUID, cursor: str | None, limit: int
    ) -> Page[Transaction]:
        ensure_can_read(actor, await self.batches.get(batch_id), batch_id)
        after = Cursor.decode(cursor) if cursor else None
        rows = await self.repo.page(batch_id, after, limit + 1)
        return Page.from_rows(list(rows), limit)

    @staticmethod
    def _same_batch(existing: Transaction, batch_id: UUID) -> Transaction:
        if existing.batch_id != batch_id:
            raise Conflict("this transaction hash is already recorded for another batch")
        return existing
