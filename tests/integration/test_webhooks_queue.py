"""The outbox and the delivery queue against real PostgreSQL: an event is written in the
transaction of its change, or not at all; workers claim disjoint deliveries without waiting on
each other (`FOR UPDATE SKIP LOCKED`); a lot's deliveries to one endpoint go out one at a time,
in order; a lease that runs out hands the delivery to another worker."""

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from tortoise import connections

from api.application.batches import Batches
from api.application.epcis import Freezer
from api.application.ports import Claimed, SendOutcome
from api.domain.batches import BatchStatus
from api.domain.users import Actor, Role
from api.domain.webhooks import OutboxEvent, Subscription, SubscriptionState, new_secret
from api.infrastructure.clock import SystemClock
from api.infrastructure.db.audit import PgAuditLog
from api.infrastructure.db.batches import PgBatches
from api.infrastructure.db.epcis import PgEpcisEvents
from api.infrastructure.db.events import PgEvents
from api.infrastructure.db.locations import PgLocations
from api.infrastructure.db.organisations import PgOrganisations
from api.infrastructure.db.unit_of_work import PgUnitOfWork
from api.infrastructure.db.users import PgUsers
from api.infrastructure.db.webhooks import CHANNEL, PgDeliveryQueue, PgOutbox, PgWebhooks
from api.presentation.context import Services
from tests.integration.conftest import CTX, new_batch, producer
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


class Refused(Exception):
    pass


class FailingAudit(PgAuditLog):
    """The last write of the use case's transaction fails: everything before it rolls back."""

    async def record(self, event, at):
        raise Refused


def batches(audit: PgAuditLog) -> Batches:
    organisations, locations = PgOrganisations(), PgLocations()
    return Batches(
        PgBatches(), audit, PgUnitOfWork(), SystemClock(), PgEvents(), PgUsers(), organisations,
        locations, Freezer(PgEpcisEvents(), organisations, locations), PgOutbox(),
    )  # fmt: skip


async def subscribed(org: uuid.UUID, *types: str) -> Subscription:
    now = datetime.now(UTC)
    made = Subscription(
        uuid.uuid4(), org, "https://erp.partner.invalid/hooks", types or ("batch.shipped",),
        None, SubscriptionState.ACTIVE, org, now, now,
    )  # fmt: skip
    await PgWebhooks().add(made, new_secret())
    return made


async def outbox_rows(batch_id: uuid.UUID) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await connections.get("default").execute_query_dict(
        "SELECT type, organisations FROM webhook_events WHERE batch_id = $1 ORDER BY id",
        [batch_id],
    )
    return rows


async def buyer(services: Services) -> Actor:
    user = await services.auth.register(
        f"buyer-{uuid.uuid4().hex[:8]}@example.com", "a fine passphrase", "B", Role.BUYER, CTX
    )
    return Actor(user.id, user.role)


async def test_a_shipment_and_its_event_commit_together(services: Services):
    owner, to = await producer(services), await buyer(services)
    mine = await subscribed(owner.org)
    batch = await services.batches.create(owner, new_batch(), CTX)

    await services.batches.change_status(
        owner, batch.id, BatchStatus.IN_TRANSIT, None, CTX, recipient=str(to.id)
    )

    [row] = await outbox_rows(batch.id)
    assert row["type"] == "batch.shipped"
    assert set(row["organisations"]) == {owner.org, to.org}
    [queued] = await PgWebhooks().deliveries(mine.id, None, 10)
    assert queued.batch_id == batch.id


async def test_a_change_that_rolls_back_emits_nothing(services: Services):
    owner, to = await producer(services), await buyer(services)
    mine = await subscribed(owner.org)
    batch = await services.batches.create(owner, new_batch(), CTX)

    with pytest.raises(Refused):
        await batches(FailingAudit()).change_status(
            owner, batch.id, BatchStatus.IN_TRANSIT, None, CTX, recipient=str(to.id)
        )

    unchanged = await PgBatches().get(batch.id)
    assert unchanged is not None
    assert unchanged.status is BatchStatus.REGISTERED
    assert await outbox_rows(batch.id) == []
    assert await PgWebhooks().deliveries(mine.id, None, 10) == []


async def queue_events(org: uuid.UUID, lots: int, per_lot: int) -> list[uuid.UUID]:
    ids = [
        (
            await PgBatches().add(org, new_batch(), f"Q-{uuid.uuid4().hex[:10]}", datetime.now(UTC))
        ).id
        for _ in range(lots)
    ]
    for n in range(per_lot):
        for batch_id in ids:
            at = datetime.now(UTC)
            data: dict[str, object] = {"n": n}
            await PgOutbox().emit(
                OutboxEvent("batch.shipped", batch_id, frozenset({org}), data, at)
            )
    return ids


async def drain(queue: PgDeliveryQueue) -> None:
    """Deliver what is due, so that tests start from an empty queue of their own."""
    while claimed := await queue.claim(500, 60, 1000):
        await acknowledge(queue, claimed)


async def acknowledge(queue: PgDeliveryQueue, claimed: list[Claimed]) -> None:
    """What a test claimed and is done with: delivered, so that no lease outlives the test."""
    for c in claimed:
        await queue.delivered(c.id, 200, datetime.now(UTC))


async def test_two_workers_claim_disjoint_deliveries_without_waiting_on_each_other(
    services: Services,
):
    queue = PgDeliveryQueue()
    await drain(queue)
    owner = await producer(services)
    mine = await subscribed(owner.org)
    await queue_events(owner.org, lots=20, per_lot=1)
    held = asyncio.Event()
    release = asyncio.Event()
    first: list[int] = []

    async def worker_holding_its_claim() -> None:
        async with PgUnitOfWork().atomic():
            first.extend(c.id for c in await queue.claim(8, 60, 100))
            held.set()
            await release.wait()

    holder = asyncio.create_task(worker_holding_its_claim())
    await held.wait()
    # The first claim's rows are still locked, uncommitted: the second skips them at once.
    claimed = await asyncio.wait_for(queue.claim(100, 60, 100), timeout=5)
    second = [c.id for c in claimed]
    release.set()
    await holder
    await drain_ids(queue, [*first, *second])

    assert len(first) == 8
    assert len(second) == 12
    assert not set(first) & set(second)
    assert {d.id for d in await PgWebhooks().deliveries(mine.id, None, 100)} == {*first, *second}


async def drain_ids(queue: PgDeliveryQueue, ids: list[int]) -> None:
    for delivery_id in ids:
        await queue.delivered(delivery_id, 200, datetime.now(UTC))


async def test_a_lots_deliveries_to_one_endpoint_go_out_one_at_a_time_in_order(
    services: Services,
):
    queue = PgDeliveryQueue()
    await drain(queue)
    owner = await producer(services)
    await subscribed(owner.org)
    await queue_events(owner.org, lots=1, per_lot=3)
    order = []
    while claimed := await queue.claim(10, 60, 100):
        assert len(claimed) == 1  # the next waits until the one before is acknowledged
        order.append(claimed[0].body)
        await queue.delivered(claimed[0].id, 204, datetime.now(UTC))
    assert [b'"n":0' in b for b in order] == [True, False, False]
    assert [b'"n":2' in b for b in order] == [False, False, True]


async def test_a_failed_delivery_holds_back_its_lots_later_ones_until_it_succeeds(
    services: Services,
):
    queue = PgDeliveryQueue()
    await drain(queue)
    owner = await producer(services)
    await subscribed(owner.org)
    await queue_events(owner.org, lots=1, per_lot=2)
    [first] = await queue.claim(10, 60, 100)
    now = datetime.now(UTC)

    await queue.retry(first, SendOutcome(False, 500, "answered 500"), now, now)

    [again] = await queue.claim(10, 60, 100)
    assert again.id == first.id
    assert again.attempts == 1
    assert again.first_failed_at is not None
    await acknowledge(queue, [again])
    await drain(queue)


async def test_a_lease_that_runs_out_hands_the_delivery_to_another_worker(services: Services):
    queue = PgDeliveryQueue()
    await drain(queue)
    owner = await producer(services)
    await subscribed(owner.org)
    await queue_events(owner.org, lots=1, per_lot=1)
    [claimed] = await queue.claim(10, 0.3, 100)
    assert await queue.claim(10, 60, 100) == []

    # The worker that held it died: nobody acknowledges it, and its lease runs out.
    retaken: list[Claimed] = []

    def taken() -> bool:
        found = asyncio.run_coroutine_threadsafe(queue.claim(10, 60, 100), loop).result()
        retaken.extend(found)
        return bool(found)

    loop = asyncio.get_running_loop()
    assert await asyncio.to_thread(wait_until, taken, 10)
    assert [c.id for c in retaken] == [claimed.id]
    await acknowledge(queue, retaken)


async def test_paused_endpoints_get_nothing_until_resumed(services: Services):
    queue = PgDeliveryQueue()
    await drain(queue)
    owner = await producer(services)
    mine = await subscribed(owner.org)
    await PgWebhooks().set_state(mine.id, SubscriptionState.PAUSED, datetime.now(UTC))
    await queue_events(owner.org, lots=2, per_lot=1)

    assert await queue.claim(10, 60, 100) == []
    await PgWebhooks().set_state(mine.id, SubscriptionState.ACTIVE, datetime.now(UTC))
    claimed = await queue.claim(10, 60, 100)
    assert len(claimed) == 2
    await acknowledge(queue, claimed)


async def test_an_endpoint_given_up_on_is_disabled(services: Services):
    queue = PgDeliveryQueue()
    await drain(queue)
    owner = await producer(services)
    mine = await subscribed(owner.org)
    await queue_events(owner.org, lots=1, per_lot=1)
    [claimed] = await queue.claim(10, 60, 100)

    await queue.give_up(claimed, SendOutcome(False, None, "timed out"), datetime.now(UTC))

    disabled = await PgWebhooks().get(mine.id)
    assert disabled is not None
    assert disabled.state is SubscriptionState.DISABLED
    [entry] = await PgWebhooks().deliveries(mine.id, None, 10)
    assert (entry.state.value, entry.last_error) == ("failed", "timed out")


async def test_workers_are_woken_when_an_event_commits_and_never_for_a_rollback(
    services: Services, database_url: str
):
    owner = await producer(services)
    await subscribed(owner.org)
    batch_id = (await queue_ids(owner.org))[0]
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(database_url)
    await listener.add_listener(CHANNEL, lambda *args: heard.put_nowait(args[2]))
    try:
        event = OutboxEvent(
            "batch.shipped", batch_id, frozenset({owner.org}), {}, datetime.now(UTC)
        )
        with pytest.raises(Refused):
            await emit_then_fail(event)
        async with PgUnitOfWork().atomic():
            await PgOutbox().emit(event)
            # Not before the commit: a worker would find nothing yet.
            assert heard.empty()
        assert await asyncio.wait_for(heard.get(), timeout=5) == CHANNEL
        assert heard.empty()
    finally:
        await listener.close()
        await drain(PgDeliveryQueue())


async def emit_then_fail(event: OutboxEvent) -> None:
    async with PgUnitOfWork().atomic():
        await PgOutbox().emit(event)
        raise Refused


async def queue_ids(org: uuid.UUID) -> list[uuid.UUID]:
    code = f"N-{uuid.uuid4().hex[:10]}"
    return [(await PgBatches().add(org, new_batch(), code, datetime.now(UTC))).id]
