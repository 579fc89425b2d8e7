"""Batches and transactions against real PostgreSQL, through the use cases."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tortoise import connections

from api.domain.batch_codes import is_valid_server_code
from api.domain.batches import BatchFilter, BatchStatus
from api.domain.errors import Conflict
from api.domain.transactions import EventType, NewTransaction
from api.infrastructure.db.batches import PgBatches
from api.infrastructure.db.models import BatchRow
from api.infrastructure.db.unit_of_work import PgUnitOfWork
from api.presentation.context import Services
from tests.integration.conftest import CTX, new_batch, producer, tx_hash

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_server_made_codes_are_readable_and_unique(services: Services) -> None:
    actor = await producer(services)
    first = await services.batches.create(actor, new_batch(), CTX)
    second = await services.batches.create(actor, new_batch(), CTX)
    assert is_valid_server_code(first.code)
    assert is_valid_server_code(second.code)
    assert first.code != second.code


async def test_a_taken_batch_code_is_a_conflict(services: Services) -> None:
    actor = await producer(services)
    code = f"LOT-{uuid.uuid4().hex[:8].upper()}"
    await services.batches.create(actor, new_batch(code=code), CTX)
    with pytest.raises(Conflict):
        await services.batches.create(actor, new_batch(code=code), CTX)


async def test_work_inside_atomic_is_rolled_back_on_error(services: Services) -> None:
    actor = await producer(services)
    code = f"RB-{uuid.uuid4().hex[:8].upper()}"

    async def insert_then_fail() -> None:
        async with PgUnitOfWork().atomic():
            await PgBatches().add(actor.id, new_batch(), code, datetime.now(UTC))
            raise RuntimeError("fail after the insert")

    with pytest.raises(RuntimeError):
        await insert_then_fail()
    assert not await BatchRow.filter(code=code).exists()


async def test_pages_walk_every_batch_once_even_with_equal_timestamps(services: Services) -> None:
    actor = await producer(services)
    at = datetime.now(UTC)
    repo = PgBatches()
    made = [
        await repo.add(actor.id, new_batch(), f"EQ-{uuid.uuid4().hex[:8]}", at) for _ in range(5)
    ]
    seen: list[uuid.UUID] = []
    cursor = None
    while True:
        page = await services.batches.list(actor, BatchFilter(), cursor, 2)
        seen += [b.id for b in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(b.id for b in made)
    assert seen == sorted(seen, reverse=True)


async def test_filters_select_by_status_product_and_creation_date(services: Services) -> None:
    actor = await producer(services)
    mango = await services.batches.create(actor, new_batch(product="Mango"), CTX)
    await services.batches.create(actor, new_batch(product="avocado"), CTX)
    await services.batches.change_status(actor, mango.id, BatchStatus.CANCELLED, None, CTX)

    by_product = await services.batches.list(actor, BatchFilter(product="MANGO"), None, 20)
    by_status = await services.batches.list(
        actor, BatchFilter(status=BatchStatus.CANCELLED), None, 20
    )
    today = datetime.now(UTC).date()
    tomorrow = today + timedelta(days=1)
    none_tomorrow = await services.batches.list(actor, BatchFilter(created_from=tomorrow), None, 20)
    all_today = await services.batches.list(
        actor, BatchFilter(created_from=today, created_to=today), None, 20
    )

    assert [b.id for b in by_product.items] == [mango.id]
    assert [b.id for b in by_status.items] == [mango.id]
    assert none_tomorrow.items == []
    assert len(all_today.items) == 2


async def test_concurrent_recordings_of_one_hash_store_it_once(services: Services) -> None:
    actor = await producer(services)
    batch = await services.batches.create(actor, new_batch(), CTX)
    new = NewTransaction(tx_hash(), "polygon-amoy", EventType.SHIPPED)
    results = await asyncio.gather(
        *(services.transactions.record(actor, batch.id, new, CTX) for _ in range(5))
    )
    assert sum(created for _, created in results) == 1
    assert len({record.id for record, _ in results}) == 1
    page = await services.transactions.list(actor, batch.id, None, 20)
    assert len(page.items) == 1


async def test_concurrent_reads_each_get_their_own_batch_from_one_query(
    services: Services,
) -> None:
    actor = await producer(services)
    made = [await services.batches.create(actor, new_batch(), CTX) for _ in range(6)]
    missing = uuid.uuid4()
    repo = PgBatches()
    statements: list[str] = []
    client = connections.get("default")
    original = client.execute_query_dict

    async def counting(query: str, values: list[Any] | None = None) -> list[dict[str, Any]]:
        statements.append(query)
        rows: list[dict[str, Any]] = await original(query, values)
        return rows

    client.execute_query_dict = counting
    try:
        read = await asyncio.gather(
            *(repo.get(b.id) for b in [*made, *made[:2]]), repo.get(missing)
        )
    finally:
        del client.execute_query_dict
    assert [b.code if b else None for b in read] == [b.code for b in [*made, *made[:2]]] + [None]
    assert len(statements) == 1


async def test_a_read_inside_a_transaction_sees_its_own_uncommitted_write(
    services: Services,
) -> None:
    actor = await producer(services)
    repo = PgBatches()
    async with PgUnitOfWork().atomic():
        added = await repo.add(
            actor.id, new_batch(), f"TX-{uuid.uuid4().hex[:8]}", datetime.now(UTC)
        )
        inside = await repo.get(added.id)
    assert inside is not None
    assert inside.code == added.code
