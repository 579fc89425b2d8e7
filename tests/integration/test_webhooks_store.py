"""Webhook subscriptions and the outbox: one suite for the PostgreSQL adapters and the fakes the
unit and HTTP tests use, so that the fakes cannot drift from what the database does."""

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.domain.webhooks import (
    DeliveryState,
    OutboxEvent,
    Subscription,
    SubscriptionState,
    new_secret,
)
from api.infrastructure.db.batches import PgBatches
from api.infrastructure.db.webhooks import PgOutbox, PgWebhooks
from api.presentation.context import Services
from tests.integration.conftest import new_batch, producer
from tests.support.fake_webhooks import FakeOutbox, FakeWebhooks

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@dataclass
class Store:
    webhooks: Any
    outbox: Any


@pytest.fixture(params=["memory", "postgres"])
def store(request: pytest.FixtureRequest, services: Services) -> Store:
    if request.param == "memory":
        fake = FakeWebhooks()
        return Store(fake, FakeOutbox(fake))
    return Store(PgWebhooks(), PgOutbox())


def subscription(org: uuid.UUID, at: datetime, *types: str) -> Subscription:
    return Subscription(
        uuid.uuid4(), org, "https://erp.partner.invalid/hooks",
        tuple(sorted(types or ("batch.shipped",))), "ERP", SubscriptionState.ACTIVE, org, at, at,
    )  # fmt: skip


async def lot(services: Services, owner: uuid.UUID) -> uuid.UUID:
    code = f"WH-{uuid.uuid4().hex[:10]}"
    return (await PgBatches().add(owner, new_batch(), code, datetime.now(UTC))).id


def event(batch_id: uuid.UUID, at: datetime, *orgs: uuid.UUID, kind: str = "batch.shipped"):
    return OutboxEvent(kind, batch_id, frozenset(orgs), {"batch_id": str(batch_id)}, at)


async def test_a_subscription_reads_back_and_changes_state(store: Store, services: Services):
    org = (await producer(services)).id
    at = datetime.now(UTC).replace(microsecond=0)
    made = subscription(org, at, "batch.shipped", "batch.split")
    await store.webhooks.add(made, new_secret())

    assert await store.webhooks.get(made.id) == made
    assert await store.webhooks.of(org) == [made]
    later = at + timedelta(minutes=1)
    await store.webhooks.set_state(made.id, SubscriptionState.DISABLED, later, "failing")
    assert await store.webhooks.get(made.id) == replace(
        made, state=SubscriptionState.DISABLED, disabled_reason="failing", updated_at=later
    )
    until = later + timedelta(days=1)
    await store.webhooks.rotate(made.id, new_secret(), until, later)
    assert (await store.webhooks.get(made.id)).previous_secret_expires_at == until
    await store.webhooks.delete(made.id)
    assert await store.webhooks.get(made.id) is None
    assert await store.webhooks.of(org) == []


async def test_an_event_is_queued_for_the_entitled_subscriptions_of_its_type_only(
    store: Store, services: Services
):
    owner, recipient, stranger = [(await producer(services)).id for _ in range(3)]
    at = datetime.now(UTC)
    mine, theirs = subscription(owner, at), subscription(recipient, at)
    other, deaf = subscription(stranger, at), subscription(recipient, at, "batch.delivered")
    for s in (mine, theirs, other, deaf):
        await store.webhooks.add(s, new_secret())
    batch_id = await lot(services, owner)

    await store.outbox.emit(event(batch_id, at, owner, recipient))

    for s in (mine, theirs):
        [queued] = await store.webhooks.deliveries(s.id, None, 10)
        assert (queued.batch_id, queued.event_type, queued.state, queued.attempts) == (
            batch_id, "batch.shipped", DeliveryState.PENDING, 0,
        )  # fmt: skip
        assert queued.message_id.startswith("msg_")
    assert await store.webhooks.deliveries(other.id, None, 10) == []
    assert await store.webhooks.deliveries(deaf.id, None, 10) == []


async def test_the_delivery_log_is_newest_first_and_pages_by_id(store: Store, services: Services):
    owner = (await producer(services)).id
    at = datetime.now(UTC)
    mine = subscription(owner, at)
    await store.webhooks.add(mine, new_secret())
    batch_id = await lot(services, owner)
    for n in range(3):
        # In the past: the queue tests that share the database claim what is due.
        await store.outbox.emit(event(batch_id, at - timedelta(seconds=3 - n), owner))

    page = await store.webhooks.deliveries(mine.id, None, 2)
    rest = await store.webhooks.deliveries(mine.id, page[-1].id, 2)

    assert [d.id for d in page] == sorted((d.id for d in page), reverse=True)
    assert len(page) == 2
    assert len(rest) == 1
    assert rest[0].id < page[-1].id


async def test_a_replay_queues_the_range_again_with_the_same_message_ids(
    store: Store, services: Services
):
    owner, stranger = (await producer(services)).id, (await producer(services)).id
    start = datetime.now(UTC).replace(microsecond=0)
    mine = subscription(owner, start)
    await store.webhooks.add(mine, new_secret())
    batch_id = await lot(services, owner)
    await store.outbox.emit(event(batch_id, start - timedelta(hours=2), owner))
    await store.outbox.emit(event(batch_id, start - timedelta(minutes=2), owner))
    await store.outbox.emit(event(batch_id, start - timedelta(minutes=1), owner))
    await store.outbox.emit(event(batch_id, start - timedelta(minutes=1), stranger))
    first = await store.webhooks.deliveries(mine.id, None, 10)

    queued = await store.webhooks.replay(
        mine.id, start - timedelta(hours=1), start + timedelta(hours=1), 100, start
    )

    assert queued == 2
    log = await store.webhooks.deliveries(mine.id, None, 10)
    again = log[:2]
    assert sorted(d.message_id for d in again) == sorted(d.message_id for d in first[:2])
    assert all(d.state is DeliveryState.PENDING and d.attempts == 0 for d in again)
