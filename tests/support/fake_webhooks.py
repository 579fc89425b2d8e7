"""In-memory stand-ins for the webhook ports: the outbox, the subscriptions and their delivery
log. They share one store, as the PostgreSQL adapters share the tables; the same suite runs
against both (tests/integration/test_webhooks_store.py)."""

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from api.domain.webhooks import (
    Delivery,
    DeliveryState,
    OutboxEvent,
    Subscription,
    SubscriptionState,
    message_body,
    new_message_id,
)


@dataclass
class StoredEvent:
    id: int
    message_id: str
    type: str
    batch_id: UUID
    organisations: frozenset[UUID]
    body: str
    at: datetime


@dataclass
class FakeWebhooks:
    subscriptions: dict[UUID, Subscription] = field(default_factory=dict)
    secrets: dict[UUID, list[str]] = field(default_factory=dict)
    events: list[StoredEvent] = field(default_factory=list)
    log: list[Delivery] = field(default_factory=list)

    def fan_out(self, event: StoredEvent, at: datetime) -> int:
        entitled = sorted(
            (
                s
                for s in self.subscriptions.values()
                if s.organisation_id in event.organisations and event.type in s.event_types
            ),
            key=lambda s: s.id,
        )
        for s in entitled:
            self.log.append(
                Delivery(
                    len(self.log) + 1,
                    s.id,
                    event.message_id,
                    event.type,
                    event.batch_id,
                    DeliveryState.PENDING,
                    0,
                    at,
                    at,
                    None,
                    None,
                    None,
                    None,
                )
            )
        return len(entitled)

    async def add(self, subscription: Subscription, secret: str) -> None:
        self.subscriptions[subscription.id] = subscription
        self.secrets[subscription.id] = [secret]

    async def get(self, subscription_id: UUID) -> Subscription | None:
        return self.subscriptions.get(subscription_id)

    async def get_for_update(self, subscription_id: UUID) -> Subscription | None:
        return self.subscriptions.get(subscription_id)

    async def of(self, organisation_id: UUID) -> list[Subscription]:
        found = [s for s in self.subscriptions.values() if s.organisation_id == organisation_id]
        return sorted(found, key=lambda s: (s.created_at, s.id))

    async def set_state(
        self,
        subscription_id: UUID,
        state: SubscriptionState,
        at: datetime,
        reason: str | None = None,
    ) -> None:
        s = self.subscriptions[subscription_id]
        self.subscriptions[subscription_id] = replace(
            s, state=state, disabled_reason=reason, updated_at=at
        )
        if state is SubscriptionState.ACTIVE:
            self.log = [
                replace(d, next_attempt_at=at)
                if d.subscription_id == subscription_id and d.state is DeliveryState.PENDING
                else d
                for d in self.log
            ]

    async def rotate(
        self, subscription_id: UUID, secret: str, previous_until: datetime, at: datetime
    ) -> None:
        self.secrets[subscription_id] = [secret, self.secrets[subscription_id][0]]
        s = self.subscriptions[subscription_id]
        self.subscriptions[subscription_id] = replace(
            s, previous_secret_expires_at=previous_until, updated_at=at
        )

    async def delete(self, subscription_id: UUID) -> None:
        del self.subscriptions[subscription_id]
        del self.secrets[subscription_id]
        self.log = [d for d in self.log if d.subscription_id != subscription_id]

    async def deliveries(
        self, subscription_id: UUID, before: int | None, limit: int
    ) -> list[Delivery]:
        found = [
            d
            for d in self.log
            if d.subscription_id == subscription_id and (before is None or d.id < before)
        ]
        return sorted(found, key=lambda d: d.id, reverse=True)[:limit]

    async def replay(
        self, subscription_id: UUID, since: datetime, until: datetime, limit: int, at: datetime
    ) -> int:
        s = self.subscriptions[subscription_id]
        chosen = [
            e
            for e in self.events
            if s.organisation_id in e.organisations
            and e.type in s.event_types
            and since <= e.at < until
        ][:limit]
        for event in chosen:
            self.log.append(
                Delivery(
                    len(self.log) + 1,
                    s.id,
                    event.message_id,
                    event.type,
                    event.batch_id,
                    DeliveryState.PENDING,
                    0,
                    at,
                    at,
                    None,
                    None,
                    None,
                    None,
                )
            )
        return len(chosen)


@dataclass
class FakeOutbox:
    webhooks: FakeWebhooks

    @property
    def emitted(self) -> list[dict[str, object]]:
        """The bodies written so far, oldest first."""
        return [json.loads(e.body) for e in self.webhooks.events]

    async def emit(self, event: OutboxEvent) -> None:
        message_id = new_message_id()
        stored = StoredEvent(
            len(self.webhooks.events) + 1, message_id, event.type, event.batch_id,
            event.organisations, message_body(event, message_id), event.at,
        )  # fmt: skip
        self.webhooks.events.append(stored)
        self.webhooks.fan_out(stored, event.at)
