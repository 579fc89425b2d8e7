"""The public snapshot of a lot: one suite for the PostgreSQL adapter (one query, its chain and
records through JSON) and the fake the unit and HTTP tests use (built from the other fakes), so
that the fake cannot drift from what the database does."""

import asyncio
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from api.application.ports import (
    BatchRepository,
    BatchSnapshot,
    EventRepository,
    PublicReadRepository,
    TransactionRepository,
)
from api.domain.batches import Batch, BatchStatus
from api.domain.events import BatchEvent, ChainBreak, link, verify
from api.domain.organisations import Activity, NewOrganisation
from api.domain.transactions import EventType, NewTransaction, TxStatus
from api.infrastructure.db.batches import PgBatches
from api.infrastructure.db.events import PgEvents
from api.infrastructure.db.organisations import PgOrganisations
from api.infrastructure.db.public import PgPublicReads
from api.infrastructure.db.transactions import PgTransactions
from api.presentation.context import Services
from tests.integration.conftest import new_batch, tx_hash
from tests.support.fakes import FakeBatches, FakeEvents, FakePublicReads, FakeTransactions

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NOW = datetime(2031, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)


@dataclass
class Store:
    batches: BatchRepository
    events: EventRepository
    transactions: TransactionRepository
    reads: PublicReadRepository
    real: bool

    async def lot(self, public: bool, parent: Batch | None = None) -> Batch:
        owner = parent.owner_id if parent else uuid.uuid4()
        if self.real and parent is None:
            new = NewOrganisation("Finca", "MX", frozenset({Activity.PRODUCER}))
            owner = (await PgOrganisations().add(new, NOW, owner)).id
        code = f"PUB-{uuid.uuid4().hex[:12].upper()}"
        parent_id = parent.id if parent else None
        return await self.batches.add(owner, new_batch(publish=public), code, NOW, parent_id)

    async def history(self, batch: Batch, length: int) -> list[BatchEvent]:
        head, events = None, []
        for n in range(length):
            head = link(batch.id, head, "noted", NOW + timedelta(seconds=n), "producer",
                        {"n": n, "farm": "Café Ñuñoa", "none": None})  # fmt: skip
            events.append(head)
        await self.events.add(events)
        return events


def shown(snapshot: BatchSnapshot | None) -> BatchSnapshot | None:
    """What the snapshot holds, without the version it was read at (a test of its own)."""
    return None if snapshot is None else replace(snapshot, version=None)


@pytest.fixture(params=["memory", "postgres"])
def store(request: pytest.FixtureRequest, services: Services) -> Store:
    if request.param == "memory":
        batches, events, transactions = FakeBatches(), FakeEvents(), FakeTransactions()
        reads = FakePublicReads(batches, events, transactions)
        return Store(batches, events, transactions, reads, real=False)
    return Store(PgBatches(), PgEvents(), PgTransactions(), PgPublicReads(), real=True)


async def test_a_public_lot_reads_whole_its_chain_in_order_its_records_oldest_first(
    store: Store,
) -> None:
    lot = await store.lot(public=True)
    events = await store.history(lot, 3)
    records = []
    for event, at in zip(events, (NOW + timedelta(seconds=1), NOW, NOW), strict=True):
        new = NewTransaction(tx_hash(), "polygon", EventType.SHIPPED, TxStatus.CONFIRMED, 2**40,
                             "ab" * 32, event.hash)  # fmt: skip
        records.append(await store.transactions.add(lot.id, new, at))
    await store.history(await store.lot(public=True), 1)

    snapshot = shown(await store.reads.snapshot(lot.public_code))

    oldest = sorted(records, key=lambda t: (t.created_at, t.id))
    # Anchors recorded after the chain's last change: no verdict was made over them.
    assert snapshot == BatchSnapshot(lot, None, events, oldest, verdict=None)


async def test_only_a_published_lot_answers_to_its_public_code(store: Store) -> None:
    private = await store.lot(public=False)
    await store.history(private, 1)

    assert await store.reads.snapshot(private.public_code) is None
    assert await store.reads.snapshot(private.code) is None
    assert await store.reads.snapshot("PUB-NOTHING.0000000000") is None
    published = replace(private, published_at=NOW + timedelta(hours=1))
    await store.batches.save_status(published)
    chain = await store.events.chain(private.id)
    assert shown(await store.reads.snapshot(private.public_code)) == BatchSnapshot(
        published, None, chain, [], verify(chain)
    )


async def test_a_sub_lot_names_its_parent_only_when_the_parent_is_public(store: Store) -> None:
    parent = await store.lot(public=False)
    child = await store.lot(public=True, parent=parent)

    assert shown(await store.reads.snapshot(child.public_code)) == BatchSnapshot(
        child, None, [], []
    )
    await store.batches.save_status(replace(parent, published_at=NOW))
    assert shown(await store.reads.snapshot(child.public_code)) == BatchSnapshot(
        child, parent.public_code, [], []
    )


async def test_the_verdict_kept_with_the_chain_follows_each_change(store: Store) -> None:
    lot = await store.lot(public=True)
    events = await store.history(lot, 2)
    first = await store.reads.snapshot(lot.public_code)
    assert first is not None
    assert first.verdict == verify(events)

    # As the use case records a transaction: its record, then its event, in one transaction.
    new = NewTransaction(tx_hash(), "polygon", EventType.SHIPPED, TxStatus.PENDING, None, None,
                         events[0].hash)  # fmt: skip
    record = await store.transactions.add(lot.id, new, NOW)
    head = link(lot.id, events[-1], "transaction_recorded", NOW, "producer", {"n": 2})
    await store.events.add([head])

    after = await store.reads.snapshot(lot.public_code)
    assert after is not None
    assert after.verdict == verify([*events, head], [(record.tx_hash, events[0].hash)])
    assert after.verdict is not None
    assert (after.verdict.valid, after.verdict.length, after.verdict.head_hash) == (
        True,
        3,
        head.hash,
    )


async def test_a_kept_verdict_over_a_bad_anchor_says_so(store: Store) -> None:
    lot = await store.lot(public=True)
    events = await store.history(lot, 1)
    stray = NewTransaction(tx_hash(), "polygon", EventType.SHIPPED, TxStatus.PENDING, None, None,
                           "cd" * 32)  # fmt: skip
    record = await store.transactions.add(lot.id, stray, NOW)
    head = link(lot.id, events[-1], "noted", NOW, "producer", {})
    await store.events.add([head])

    snapshot = await store.reads.snapshot(lot.public_code)
    assert snapshot is not None
    assert snapshot.verdict is not None
    assert snapshot.verdict.broken_at == ChainBreak("anchor_not_in_chain", tx_hash=record.tx_hash)


async def test_an_event_changed_behind_the_api_s_back_voids_the_kept_verdict(
    services: Services, owner_database_url: str
) -> None:
    """What someone with the tables' owner role could do: the guard off, an event edited. The
    row is another row version then, so the verdict kept before is no longer offered."""
    store = Store(PgBatches(), PgEvents(), PgTransactions(), PgPublicReads(), real=True)
    lot = await store.lot(public=True)
    await store.history(lot, 3)
    before = await store.reads.snapshot(lot.public_code)
    assert before is not None
    assert before.verdict is not None
    assert before.verdict.valid

    connection = await asyncpg.connect(owner_database_url)
    try:
        async with connection.transaction():
            await connection.execute(
                "ALTER TABLE batch_events DISABLE TRIGGER batch_events_no_update_or_delete"
            )
            await connection.execute(
                "UPDATE batch_events SET data = data || '{\"n\": 7}'"
                " WHERE batch_id = $1 AND seq = 2",
                lot.id,
            )
            await connection.execute(
                "ALTER TABLE batch_events ENABLE TRIGGER batch_events_no_update_or_delete"
            )
    finally:
        await connection.close()

    after = await store.reads.snapshot(lot.public_code)
    assert after is not None
    assert after.verdict is None
    # Nothing kept under the old version can answer for the altered chain.
    assert after.version != before.version
    assert await store.reads.version(lot.public_code) == after.version
    assert verify(after.events).broken_at == ChainBreak("hash_mismatch", seq=2)


async def test_the_version_moves_with_every_change_the_snapshot_would_show(store: Store) -> None:
    parent = await store.lot(public=False)
    lot = await store.lot(public=True, parent=parent)
    assert await store.reads.version(parent.public_code) is None
    await store.history(lot, 1)
    seen = [await store.reads.version(lot.public_code)]
    snapshot = await store.reads.snapshot(lot.public_code)
    assert snapshot is not None
    assert snapshot.version == seen[0]
    assert await store.reads.version(lot.public_code) == seen[0]

    head = link(lot.id, snapshot.events[-1], "noted", NOW, "producer", {})
    await store.events.add([head])
    seen.append(await store.reads.version(lot.public_code))
    new = NewTransaction(tx_hash(), "polygon", EventType.SHIPPED, TxStatus.PENDING, None, None,
                         head.hash)  # fmt: skip
    await store.transactions.add(lot.id, new, NOW)
    seen.append(await store.reads.version(lot.public_code))
    await store.batches.save_status(replace(lot, status=BatchStatus.IN_TRANSIT))
    seen.append(await store.reads.version(lot.public_code))
    # The parent's public code shows once the parent is public.
    await store.batches.save_status(replace(parent, published_at=NOW))
    seen.append(await store.reads.version(lot.public_code))

    assert None not in seen
    assert len(set(seen)) == len(seen)


async def test_versions_asked_for_at_once_come_back_each_to_its_own_lot(store: Store) -> None:
    lots = [await store.lot(public=True) for _ in range(3)]
    hidden = await store.lot(public=False)
    for n, lot in enumerate(lots):
        await store.history(lot, n + 1)
    one_by_one = [await store.reads.version(lot.public_code) for lot in lots]

    codes = [lot.public_code for lot in [*lots, hidden, lots[0]]]
    together = await asyncio.gather(*(store.reads.version(code) for code in codes))

    assert together == [*one_by_one, None, one_by_one[0]]
    assert len(set(one_by_one)) == 3
