"""Webhooks (docs/API.md, "Webhooks"): an organisation's owners subscribe endpoints to the changes
of the lots it owns or receives; each change is written to the outbox with the change itself
(`report`, called inside the use cases' transactions) and a worker delivers it, signed
(`Dispatcher`)."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from api.application.organisations import ensure_owner
from api.application.ports import (
    AuditLog,
    Claimed,
    Clock,
    DeliveryQueue,
    OrganisationRepository,
    Outbox,
    SendOutcome,
    UnitOfWork,
    WebhookRepository,
    WebhookSender,
)
from api.domain.audit import AuditEvent, RequestContext
from api.domain.batches import Batch
from api.domain.custody import EventType
from api.domain.errors import Conflict, FieldIssue, Hidden, NotFound, NotPermitted, ValidationFailed
from api.domain.events import BatchEvent
from api.domain.users import Actor
from api.domain.webhooks import (
    CAPTURED,
    EVENT_TYPES,
    MAX_SUBSCRIPTIONS,
    Delivery,
    NewSubscription,
    OutboxEvent,
    RetryPolicy,
    Subscription,
    SubscriptionState,
    check_event_types,
    entitled,
    new_secret,
    signature_header,
    url_problem,
)

USER_AGENT = "AgroBridge-Webhooks/1"
MAX_REPLAY = 10_000
MAX_REPLAY_SPAN = timedelta(days=31)


async def report(outbox: Outbox, batch: Batch, event: BatchEvent) -> None:
    """Put the batch event in the outbox when partners may subscribe to its type. Call it in
    the transaction that appends the event; `batch` is the batch as the event left it."""
    kind = EVENT_TYPES.get(EventType(event.type))
    if kind is None:
        return
    data: dict[str, object] = {
        "batch_id": str(batch.id),
        "batch_code": batch.code,
        "status": batch.status.value,
        "owner_id": str(batch.owner_id),
        "recipient_id": str(batch.recipient_id) if batch.recipient_id else None,
        "seq": event.seq,
        "at": event.at.isoformat().replace("+00:00", "Z"),
        # What the lot's event chain says of it, which both parties may read already.
        "details": dict(event.data),
    }
    parties = entitled(batch.owner_id, batch.recipient_id)
    await outbox.emit(OutboxEvent(kind, batch.id, parties, data, event.at))


async def report_capture(
    outbox: Outbox, batch: Batch, event: Mapping[str, object], capture_id: UUID, at: datetime
) -> None:
    """Put a captured EPCIS event in the outbox, in the capture's transaction: its eventID,
    step and time, and the lot as the event left it (`batch`)."""
    data: dict[str, object] = {
        "batch_id": str(batch.id),
        "batch_code": batch.code,
        "status": batch.status.value,
        "owner_id": str(batch.owner_id),
        "recipient_id": str(batch.recipient_id) if batch.recipient_id else None,
        "capture_id": str(capture_id),
        "event_id": event.get("eventID"),
        "event_time": event.get("eventTime"),
        "biz_step": event.get("bizStep"),
        "disposition": event.get("disposition"),
    }
    parties = entitled(batch.owner_id, batch.recipient_id)
    await outbox.emit(OutboxEvent(CAPTURED, batch.id, parties, data, at))


@dataclass
class Webhooks:
    repo: WebhookRepository
    organisations: OrganisationRepository
    audit: AuditLog
    unit_of_work: UnitOfWork
    clock: Clock
    # Private and loopback targets: only where a setting allows them (tests, development).
    allow_private: bool
    rotation_overlap: timedelta

    async def create(
        self, actor: Actor, new: NewSubscription, ctx: RequestContext
    ) -> tuple[Subscription, str]:
        """A new subscription of the caller's organisation, and its signing secret (shown once)."""
        await self._owner(actor)
        self._check(new)
        now = self.clock.now()
        subscription = Subscription(
            uuid4(), actor.org, new.url, tuple(sorted(set(new.event_types))), new.description,
            SubscriptionState.ACTIVE, actor.id, now, now,
        )  # fmt: skip
        secret = new_secret()
        async with self.unit_of_work.atomic(serial_key=f"webhooks:{actor.org}"):
            if len(await self.repo.of(actor.org)) >= MAX_SUBSCRIPTIONS:
                raise Conflict(f"an organisation has at most {MAX_SUBSCRIPTIONS} webhooks")
            await self.repo.add(subscription, secret)
            await self._audit("webhook.created", actor, subscription, ctx, {"url": new.url})
        return subscription, secret

    async def of_organisation(self, actor: Actor) -> list[Subscription]:
        await self._owner(actor)
        return await self.repo.of(actor.org)

    async def get(self, actor: Actor, subscription_id: UUID) -> Subscription:
        await self._owner(actor)
        return _of(actor.org, subscription_id, await self.repo.get(subscription_id))

    async def pause(self, actor: Actor, subscription_id: UUID, ctx: RequestContext) -> Subscription:
        return await self._set_state(actor, subscription_id, SubscriptionState.PAUSED, ctx)

    async def resume(
        self, actor: Actor, subscription_id: UUID, ctx: RequestContext
    ) -> Subscription:
        """Active again, a disabled one too; deliveries waiting are due at once."""
        return await self._set_state(actor, subscription_id, SubscriptionState.ACTIVE, ctx)

    async def rotate_secret(
        self, actor: Actor, subscription_id: UUID, ctx: RequestContext
    ) -> tuple[Subscription, str]:
        """A new secret (shown once); the old one signs too for the overlap, so that receivers
        switch without refusing a message."""
        await self._owner(actor)
        now = self.clock.now()
        until = now + self.rotation_overlap
        secret = new_secret()
        async with self.unit_of_work.atomic(serial_key=f"webhook:{subscription_id}"):
            found = await self.repo.get_for_update(subscription_id)
            subscription = _of(actor.org, subscription_id, found)
            await self.repo.rotate(subscription_id, secret, until, now)
            await self._audit("webhook.secret_rotated", actor, subscription, ctx, {})
        return replace(subscription, previous_secret_expires_at=until, updated_at=now), secret

    async def delete(self, actor: Actor, subscription_id: UUID, ctx: RequestContext) -> None:
        await self._owner(actor)
        async with self.unit_of_work.atomic(serial_key=f"webhook:{subscription_id}"):
            found = await self.repo.get_for_update(subscription_id)
            subscription = _of(actor.org, subscription_id, found)
            await self.repo.delete(subscription_id)
            metadata: dict[str, object] = {"url": subscription.url}
            await self._audit("webhook.deleted", actor, subscription, ctx, metadata)

    async def deliveries(
        self, actor: Actor, subscription_id: UUID, before: int | None, limit: int
    ) -> list[Delivery]:
        """The delivery log, newest first (`limit` + 1 rows: the caller pages)."""
        await self.get(actor, subscription_id)
        return await self.repo.deliveries(subscription_id, before, limit + 1)

    async def replay(
        self,
        actor: Actor,
        subscription_id: UUID,
        since: datetime,
        until: datetime,
        ctx: RequestContext,
    ) -> int:
        """Send the events of [since, until) again, each with its first message id."""
        subscription = await self.get(actor, subscription_id)
        if until <= since or until - since > MAX_REPLAY_SPAN:
            raise ValidationFailed(
                "the replay's range is not acceptable",
                [FieldIssue("until", f"after since, and at most {MAX_REPLAY_SPAN.days} days on")],
            )
        now = self.clock.now()
        async with self.unit_of_work.atomic(serial_key=f"webhook:{subscription_id}"):
            queued = await self.repo.replay(subscription_id, since, until, MAX_REPLAY, now)
            metadata: dict[str, object] = {
                "since": since.isoformat(),
                "until": until.isoformat(),
                "queued": queued,
            }
            await self._audit("webhook.replayed", actor, subscription, ctx, metadata)
        return queued

    async def _set_state(
        self, actor: Actor, subscription_id: UUID, state: SubscriptionState, ctx: RequestContext
    ) -> Subscription:
        await self._owner(actor)
        now = self.clock.now()
        async with self.unit_of_work.atomic(serial_key=f"webhook:{subscription_id}"):
            found = await self.repo.get_for_update(subscription_id)
            subscription = _of(actor.org, subscription_id, found)
            if subscription.state is state:
                return subscription
            await self.repo.set_state(subscription_id, state, now)
            action = "webhook.paused" if state is SubscriptionState.PAUSED else "webhook.resumed"
            await self._audit(action, actor, subscription, ctx, {})
        return replace(subscription, state=state, disabled_reason=None, updated_at=now)

    def _check(self, new: NewSubscription) -> None:
        issues = []
        if problem := url_problem(new.url, self.allow_private):
            issues.append(FieldIssue("url", problem))
        if problem := check_event_types(list(new.event_types)):
            issues.append(FieldIssue("event_types", problem))
        if issues:
            raise ValidationFailed("the webhook is not acceptable", issues)

    async def _owner(self, actor: Actor) -> None:
        if actor.is_client:
            raise NotPermitted("machine clients cannot manage webhooks")
        await ensure_owner(self.organisations, actor, actor.org)

    async def _audit(
        self,
        action: str,
        actor: Actor,
        subscription: Subscription,
        ctx: RequestContext,
        metadata: dict[str, object],
    ) -> None:
        event = AuditEvent(action, actor.id, "webhook", str(subscription.id), ctx, metadata)
        await self.audit.record(event, self.clock.now())


def _of(organisation_id: UUID, subscription_id: UUID, found: Subscription | None) -> Subscription:
    """The organisation's subscription; another organisation's does not exist for the caller."""
    if found is None:
        raise NotFound(f"webhook {subscription_id} not found")
    if found.organisation_id != organisation_id:
        raise Hidden(
            f"webhook {subscription_id} not found",
            target_type="webhook",
            target_id=str(subscription_id),
        )
    return found


@dataclass
class Dispatcher:
    """Sends one claimed delivery, signed, and records what came of it: delivered, due again
    after a backoff, or (failing for the whole retry window) given up with its endpoint
    disabled and its owner told through the audit trail."""

    queue: DeliveryQueue
    sender: WebhookSender
    audit: AuditLog
    unit_of_work: UnitOfWork
    clock: Clock
    policy: RetryPolicy

    async def deliver(self, delivery: Claimed) -> tuple[SendOutcome, bool]:
        """What the endpoint answered, and whether the endpoint was disabled."""
        now = self.clock.now()
        timestamp = int(now.timestamp())
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature_header(
                delivery.secrets, delivery.message_id, timestamp, delivery.body
            ),
        }
        outcome = await self.sender.send(delivery.url, headers, delivery.body)
        done = self.clock.now()
        if outcome.ok:
            await self.queue.delivered(delivery.id, outcome.status or 200, done)
            return outcome, False
        attempts = delivery.attempts + 1
        first_failed = delivery.first_failed_at or done
        next_at = self.policy.next_attempt(first_failed, done, attempts)
        if next_at is not None:
            await self.queue.retry(delivery, outcome, done, next_at)
            return outcome, False
        async with self.unit_of_work.atomic(serial_key=f"webhook:{delivery.subscription_id}"):
            await self.queue.give_up(delivery, outcome, done)
            context = RequestContext(
                request_id=f"webhook-{delivery.id}",
                user_agent=USER_AGENT,
                organisation_id=delivery.organisation_id,
            )
            metadata = {
                "reason": outcome.error or "failing",
                "message_id": delivery.message_id,
                "attempts": attempts,
            }
            event = AuditEvent(
                "webhook.disabled", None, "webhook", str(delivery.subscription_id), context,
                metadata,
            )  # fmt: skip
            await self.audit.record(event, done)
        return outcome, True
