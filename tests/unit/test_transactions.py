from datetime import timedelta

import pytest

from api.application.transactions import Transactions
from api.domain.errors import Conflict, NotFound, NotPermitted
from api.domain.transactions import NewTransaction
from api.domain.users import Role
from tests.support.builders import CTX, actor, new_batch, new_tx, tx_hash
from tests.support.fake_webhooks import FakeOutbox, FakeWebhooks
from tests.support.fakes import (
    FakeAuditLog,
    FakeBatches,
    FakeClock,
    FakeEvents,
    FakeTransactions,
    NullUnitOfWork,
)

MIXED_CASE_HASH = "0xABCDEF" + "0123456789abcdef" * 3 + "0123456789"


class RivalInsertsFirst(FakeTransactions):
    """Another request stores the same hash between our lookup and our insert."""

    def __init__(self) -> None:
        super().__init__()
        self.rival_batch = None

    async def add(self, batch_id, new: NewTransaction, at, by=None):
        if self.rival_batch is not None:
            rival, self.rival_batch = self.rival_batch, None
            await super().add(rival, new, at - timedelta(milliseconds=3))
        return await super().add(batch_id, new, at, by)


@pytest.fixture
def repo():
    return RivalInsertsFirst()


@pytest.fixture
def batch_repo():
    return FakeBatches()


@pytest.fixture
def audit():
    return FakeAuditLog()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def transactions(repo, batch_repo, audit, clock):
    return Transactions(
        repo, batch_repo, audit, NullUnitOfWork(), clock, FakeEvents(), FakeOutbox(FakeWebhooks())
    )


@pytest.fixture
def owner():
    return actor(Role.PRODUCER)


@pytest.fixture
async def batch(batch_repo, owner, clock):
    return await batch_repo.add(owner.id, new_batch(), "AGB-2031-000001", clock.now())


async def test_recording_a_new_hash_creates_it_and_audits_it(transactions, owner, batch, audit):
    record, created = await transactions.record(owner, batch.id, new_tx(tx_hash(1)), CTX)

    assert created is True
    assert record.batch_id == batch.id
    assert record.tx_hash == tx_hash(1)
    [event] = audit.of("transaction.recorded")
    assert event.target_id == str(record.id)
    assert event.metadata == {"batch_id": str(batch.id), "tx_hash": tx_hash(1)}


async def test_the_hash_and_payload_hash_are_stored_lower_case(transactions, owner, batch, repo):
    record, _ = await transactions.record(
        owner, batch.id, new_tx(MIXED_CASE_HASH, payload_hash="0xDEADBEEF"), CTX
    )

    assert record.tx_hash == MIXED_CASE_HASH.lower()
    assert record.payload_hash == "0xdeadbeef"
    assert await repo.by_hash(MIXED_CASE_HASH.lower()) == record


async def test_recording_the_same_hash_again_in_another_case_returns_the_first_record(
    transactions, owner, batch, audit, clock
):
    first, _ = await transactions.record(owner, batch.id, new_tx(MIXED_CASE_HASH.lower()), CTX)
    clock.advance(minutes=1)

    again, created = await transactions.record(owner, batch.id, new_tx(MIXED_CASE_HASH), CTX)

    assert created is False
    assert again == first
    assert len(audit.of("transaction.recorded")) == 1


async def test_the_same_hash_on_another_batch_is_a_conflict(
    transactions, owner, batch, batch_repo, clock
):
    other = await batch_repo.add(owner.id, new_batch(), "AGB-2031-000002", clock.now())
    await transactions.record(owner, batch.id, new_tx(tx_hash(7)), CTX)

    with pytest.raises(Conflict):
        await transactions.record(owner, other.id, new_tx(tx_hash(7).upper()), CTX)


async def test_a_producer_who_does_not_own_the_batch_is_told_it_does_not_exist(
    transactions, batch, repo
):
    with pytest.raises(NotFound):
        await transactions.record(actor(Role.PRODUCER), batch.id, new_tx(tx_hash(2)), CTX)

    assert repo.rows == {}


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
async def test_an_auditor_cannot_record_a_transaction(transactions, batch, repo, role):
    with pytest.raises(NotPermitted):
        await transactions.record(actor(role), batch.id, new_tx(tx_hash(3)), CTX)

    assert repo.rows == {}


async def test_a_buyer_is_told_the_batch_does_not_exist(transactions, batch):
    with pytest.raises(NotFound):
        await transactions.record(actor(Role.BUYER), batch.id, new_tx(tx_hash(4)), CTX)


async def test_recording_on_an_unknown_batch_is_not_found(transactions, owner):
    with pytest.raises(NotFound):
        await transactions.record(owner, actor().id, new_tx(tx_hash(5)), CTX)


async def test_losing_the_insert_race_answers_with_the_stored_record(
    transactions, owner, batch, repo, audit
):
    repo.rival_batch = batch.id

    record, created = await transactions.record(owner, batch.id, new_tx(tx_hash(6)), CTX)

    assert created is False
    assert record == await repo.by_hash(tx_hash(6))
    assert len(repo.rows) == 1
    assert audit.of("transaction.recorded") == []


async def test_losing_the_race_to_another_batch_is_a_conflict(
    transactions, owner, batch, repo, batch_repo, clock
):
    other = await batch_repo.add(owner.id, new_batch(), "AGB-2031-000002", clock.now())
    repo.rival_batch = other.id

    with pytest.raises(Conflict):
        await transactions.record(owner, batch.id, new_tx(tx_hash(8)), CTX)


async def test_listing_returns_the_batchs_transactions_newest_first(
    transactions, owner, batch, clock
):
    recorded = []
    for n in range(5):
        clock.advance(seconds=1)
        recorded.append((await transactions.record(owner, batch.id, new_tx(tx_hash(n)), CTX))[0])

    first = await transactions.list(owner, batch.id, None, 3)
    second = await transactions.list(owner, batch.id, first.next_cursor, 3)

    assert first.items + second.items == recorded[::-1]
    assert second.next_cursor is None


async def test_an_auditor_can_list_any_batchs_transactions(transactions, owner, batch):
    record, _ = await transactions.record(owner, batch.id, new_tx(tx_hash(9)), CTX)

    page = await transactions.list(actor(Role.AUDITOR), batch.id, None, 20)

    assert page.items == [record]


async def test_listing_another_producers_batch_is_not_found(transactions, owner, batch):
    await transactions.record(owner, batch.id, new_tx(tx_hash(10)), CTX)

    with pytest.raises(NotFound):
        await transactions.list(actor(Role.PRODUCER), batch.id, None, 20)
