"""A batch's hash-chained history: appending to it (inside the use cases' transactions, under
the batch's row lock) and reading it back with its verification."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from api.application.batches_access import ensure_can_read
from api.application.ports import BatchRepository, EventRepository, TransactionRepository
from api.domain.events import BatchEvent, EventData, Verification, link, verify
from api.domain.transactions import Transaction
from api.domain.users import Actor

# A chain is verified whole; its anchors are read in one go, up to this many.
MAX_ANCHORS = 1000


async def append(
    events: EventRepository,
    batch_id: UUID,
    type_: str,
    actor: Actor,
    data: EventData,
    at: datetime,
) -> BatchEvent:
    """Add an event after the chain's head. The caller holds the batch's row lock."""
    event = link(batch_id, await events.head(batch_id), type_, at, actor.role.value, data)
    await events.add([event], actor)
    return event


@dataclass(frozen=True)
class VerifiedChain:
    events: list[BatchEvent]
    # The batch's transaction records, oldest first: the anchors checked.
    transactions: list[Transaction]
    verification: Verification


async def verified_chain(
    events: EventRepository, transactions: TransactionRepository, batch_id: UUID
) -> VerifiedChain:
    chain = await events.chain(batch_id)
    records = list(await transactions.oldest_first(batch_id, MAX_ANCHORS))
    return VerifiedChain(
        chain, records, verify(chain, [(t.tx_hash, t.anchor_hash) for t in records])
    )


@dataclass
class History:
    batches: BatchRepository
    events: EventRepository
    transactions: TransactionRepository

    async def chain(self, actor: Actor, batch_id: UUID) -> VerifiedChain:
        ensure_can_read(actor, await self.batches.get(batch_id), batch_id)
        return await verified_chain(self.events, self.transactions, batch_id)
