"""Webhooks in PostgreSQL: the outbox (written through the caller's transaction), subscriptions,
and the delivery queue the worker claims with `FOR UPDATE SKIP LOCKED` and a lease, so that
several workers on several hosts never hold one delivery at once, and a worker killed mid-send
loses nothing: its lease runs out and another takes the delivery."""

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise import connections

from api.application.ports import Claimed, SendOutcome
from api.domain.webhooks import (
    Delivery,
    DeliveryState,
    OutboxEvent,
    Subscription,
    SubscriptionState,
    message_body,
    new_message_id,
)
from api.infrastructure.db.values import as_json
from api.infrastructure.metrics import timed

ERROR_LENGTH = 200

# The channel the workers listen on (named in EMIT too): PostgreSQL delivers its notices when
# the change commits, and never for one that rolls back.
CHANNEL = "webhook_outbox"
# One round trip: the event, a pending delivery for every subscription entitled to it, and
# (when there is one) a notice that wakes the workers.
EMIT = """
WITH event AS (
    INSERT INTO webhook_events (message_id, type, batch_id, organisations, body, created_at)
    VALUES ($1, $2, $3, $4::uuid[], $5, $6)
    RETURNING id, batch_id, type, organisations, created_at
), queued AS (
    INSERT INTO webhook_deliveries (event_id, subscription_id, batch_id, state, attempts,
                                    next_attempt_at, created_at)
    SELECT event.id, s.id, event.batch_id, 'pending', 0, event.created_at, event.created_at
      FROM event JOIN webhook_subscriptions s
        ON s.organisation_id = ANY(event.organisations) AND s.event_types ? event.type
     ORDER BY s.id
    RETURNING id
)
SELECT pg_notify('webhook_outbox', '') FROM (SELECT 1 FROM queued LIMIT 1) AS any_queued
"""

WAKE = "SELECT pg_notify('webhook_outbox', '')"

SUBSCRIPTION_COLUMNS = (
    "id, organisation_id, url, event_types, description, state, created_by, created_at,"
    " updated_at, previous_secret_expires_at, disabled_reason"
)
INSERT_SUBSCRIPTION = """
INSERT INTO webhook_subscriptions (id, organisation_id, url, event_types, description, state,
    created_by, created_at, updated_at, secret)
VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10)
"""
# Resuming makes the deliveries that waited due now (their backoff began before the pause).
SET_STATE = """
UPDATE webhook_subscriptions SET state = $2, disabled_reason = $3, updated_at = $4 WHERE id = $1
"""
DUE_NOW = """
UPDATE webhook_deliveries SET next_attempt_at = $2, first_failed_at = NULL
 WHERE subscription_id = $1 AND state = 'pending'
"""
ROTATE = """
UPDATE webhook_subscriptions
   SET previous_secret = secret, previous_secret_expires_at = $3, secret = $2, updated_at = $4
 WHERE id = $1
"""
DELIVERY_LOG = """
SELECT d.id, d.subscription_id, e.message_id, e.type, d.batch_id, d.state, d.attempts,
       d.created_at, d.next_attempt_at, d.last_attempt_at, d.last_status, d.last_error,
       d.delivered_at
  FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
 WHERE d.subscription_id = $1 AND ($2::bigint IS NULL OR d.id < $2)
 ORDER BY d.id DESC LIMIT $3
"""
# A replay queues new deliveries of the old events: their message ids are the ones first sent.
REPLAY = """
INSERT INTO webhook_deliveries (event_id, subscription_id, batch_id, state, attempts,
                                next_attempt_at, created_at)
SELECT e.id, s.id, e.batch_id, 'pending', 0, $4, $4
  FROM webhook_subscriptions s
  JOIN webhook_events e
    ON s.organisation_id = ANY(e.organisations) AND s.event_types ? e.type
 WHERE s.id = $1 AND e.created_at >= $2 AND e.created_at < $3
 ORDER BY e.id LIMIT $5
RETURNING id
"""

# Due deliveries of active endpoints; per endpoint and lot only the earliest pending one (a
# lot's events arrive in order), and per endpoint at most $3 in flight across every worker.
CLAIM = """
WITH candidates AS (
    SELECT d.id, row_number() OVER (PARTITION BY d.subscription_id ORDER BY d.id) AS nth
      FROM webhook_deliveries d
      JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.state = 'active'
     WHERE d.state = 'pending' AND d.next_attempt_at <= now()
       AND (d.claimed_until IS NULL OR d.claimed_until < now())
       AND NOT EXISTS (
           SELECT 1 FROM webhook_deliveries earlier
            WHERE earlier.subscription_id = d.subscription_id
              AND earlier.batch_id = d.batch_id AND earlier.state = 'pending'
              AND earlier.id < d.id)
     ORDER BY d.next_attempt_at, d.id
     LIMIT $1 * 4
), busy AS (
    SELECT subscription_id, count(*) AS n FROM webhook_deliveries
     WHERE state = 'pending' AND claimed_until >= now()
     GROUP BY subscription_id
), picked AS (
    SELECT d.id FROM webhook_deliveries d
      JOIN candidates c ON c.id = d.id
      LEFT JOIN busy b ON b.subscription_id = d.subscription_id
     WHERE c.nth + coalesce(b.n, 0) <= $3
       AND d.state = 'pending' AND (d.claimed_until IS NULL OR d.claimed_until < now())
     ORDER BY d.next_attempt_at, d.id
     LIMIT $1
       FOR UPDATE OF d SKIP LOCKED
)
UPDATE webhook_deliveries d
   SET claimed_until = now() + make_interval(secs => $2)
  FROM picked, webhook_events e, webhook_subscriptions s
 WHERE d.id = picked.id AND e.id = d.event_id AND s.id = d.subscription_id
RETURNING d.id, d.subscription_id, s.organisation_id, s.url, s.secret, s.previous_secret,
          s.previous_secret_expires_at > now() AS previous_live, e.message_id, e.type,
          d.batch_id, e.body, d.attempts, d.created_at, d.first_failed_at
"""
DELIVERED = """
UPDATE webhook_deliveries
   SET state = 'delivered', attempts = attempts + 1, last_attempt_at = $3, last_status = $2,
       last_error = NULL, delivered_at = $3, claimed_until = NULL
 WHERE id = $1
"""
RETRY = """
UPDATE webhook_deliveries
   SET attempts = attempts + 1, last_attempt_at = $2, last_status = $3, last_error = $4,
       next_attempt_at = $5, first_failed_at = coalesce(first_failed_at, $2),
       claimed_until = NULL
 WHERE id = $1
"""
GIVE_UP = """
UPDATE webhook_deliveries
   SET state = 'failed', attempts = attempts + 1, last_attempt_at = $2, last_status = $3,
       last_error = $4, first_failed_at = coalesce(first_failed_at, $2), claimed_until = NULL
 WHERE id = $1
"""
DISABLE = """
UPDATE webhook_subscriptions SET state = 'disabled', disabled_reason = $2, updated_at = $3
 WHERE id = $1 AND state = 'active'
"""
# For the metrics and `just webhooks-queue`: what waits, and since when.
QUEUE = """
SELECT count(*) AS pending,
       count(*) FILTER (WHERE s.state = 'active' AND d.next_attempt_at <= now()) AS due,
       count(*) FILTER (WHERE d.claimed_until >= now()) AS in_flight,
       coalesce(extract(epoch FROM now() - min(d.created_at)), 0)::float8 AS oldest_seconds,
       (SELECT count(*) FROM webhook_subscriptions WHERE state = 'disabled') AS disabled
  FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
 WHERE d.state = 'pending'
"""


# Per endpoint: what waits, since when, and the last error (the runbook's first look).
BY_ENDPOINT = """
SELECT s.id, s.organisation_id, s.state, s.url, count(d.id) AS pending,
       coalesce(extract(epoch FROM now() - min(d.created_at)), 0)::float8 AS oldest_seconds,
       max(d.attempts) AS most_attempts,
       (array_agg(d.last_error ORDER BY d.last_attempt_at DESC NULLS LAST))[1] AS last_error
  FROM webhook_subscriptions s
  LEFT JOIN webhook_deliveries d ON d.subscription_id = s.id AND d.state = 'pending'
 GROUP BY s.id
HAVING count(d.id) > 0 OR s.state = 'disabled'
 ORDER BY count(d.id) DESC, s.id
 LIMIT $1
"""


def _db() -> Any:
    return connections.get("default")


def _subscription(row: dict[str, Any]) -> Subscription:
    return Subscription(
        id=row["id"],
        organisation_id=row["organisation_id"],
        url=row["url"],
        event_types=tuple(as_json(row["event_types"])),
        description=row["description"],
        state=SubscriptionState(row["state"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        previous_secret_expires_at=row["previous_secret_expires_at"],
        disabled_reason=row["disabled_reason"],
    )


def _delivery(row: dict[str, Any]) -> Delivery:
    state = DeliveryState(row["state"])
    return Delivery(
        id=row["id"],
        subscription_id=row["subscription_id"],
        message_id=row["message_id"],
        event_type=row["type"],
        batch_id=row["batch_id"],
        state=state,
        attempts=row["attempts"],
        created_at=row["created_at"],
        next_attempt_at=row["next_attempt_at"] if state is DeliveryState.PENDING else None,
        last_attempt_at=row["last_attempt_at"],
        last_status=row["last_status"],
        last_error=row["last_error"],
        delivered_at=row["delivered_at"],
    )


class PgOutbox:
    @timed("db", "webhooks.emit")
    async def emit(self, event: OutboxEvent) -> None:
        message_id = new_message_id()
        organisations = sorted(event.organisations)
        values = [
            message_id, event.type, event.batch_id, organisations, message_body(event, message_id),
            event.at,
        ]  # fmt: skip
        await _db().execute_query(EMIT, values)


class PgWebhooks:
    @timed("db", "webhooks.add")
    async def add(self, subscription: Subscription, secret: str) -> None:
        s = subscription
        values = [
            s.id, s.organisation_id, s.url, json.dumps(list(s.event_types)), s.description,
            s.state.value, s.created_by, s.created_at, s.updated_at, secret,
        ]  # fmt: skip
        await _db().execute_query(INSERT_SUBSCRIPTION, values)

    @timed("db", "webhooks.get")
    async def get(self, subscription_id: UUID) -> Subscription | None:
        return await self._one(subscription_id, "")

    @timed("db", "webhooks.get_for_update")
    async def get_for_update(self, subscription_id: UUID) -> Subscription | None:
        return await self._one(subscription_id, " FOR UPDATE")

    async def _one(self, subscription_id: UUID, lock: str) -> Subscription | None:
        # Only our own constants are put together here; values are parameters.
        query = f"SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE id = $1{lock}"  # noqa: S608
        rows = await _db().execute_query_dict(query, [subscription_id])
        return _subscription(rows[0]) if rows else None

    @timed("db", "webhooks.of")
    async def of(self, organisation_id: UUID) -> list[Subscription]:
        query = (
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions"  # noqa: S608
            " WHERE organisation_id = $1 ORDER BY created_at, id"
        )
        return [_subscription(r) for r in await _db().execute_query_dict(query, [organisation_id])]

    @timed("db", "webhooks.set_state")
    async def set_state(
        self,
        subscription_id: UUID,
        state: SubscriptionState,
        at: datetime,
        reason: str | None = None,
    ) -> None:
        await _db().execute_query(SET_STATE, [subscription_id, state.value, reason, at])
        if state is SubscriptionState.ACTIVE:
            await _db().execute_query(DUE_NOW, [subscription_id, at])
            await _db().execute_query(WAKE)

    @timed("db", "webhooks.rotate")
    async def rotate(
        self, subscription_id: UUID, secret: str, previous_until: datetime, at: datetime
    ) -> None:
        await _db().execute_query(ROTATE, [subscription_id, secret, previous_until, at])

    @timed("db", "webhooks.delete")
    async def delete(self, subscription_id: UUID) -> None:
        await _db().execute_query(
            "DELETE FROM webhook_subscriptions WHERE id = $1", [subscription_id]
        )

    @timed("db", "webhooks.deliveries")
    async def deliveries(
        self, subscription_id: UUID, before: int | None, limit: int
    ) -> list[Delivery]:
        rows = await _db().execute_query_dict(DELIVERY_LOG, [subscription_id, before, limit])
        return [_delivery(r) for r in rows]

    @timed("db", "webhooks.replay")
    async def replay(
        self, subscription_id: UUID, since: datetime, until: datetime, limit: int, at: datetime
    ) -> int:
        rows = await _db().execute_query_dict(REPLAY, [subscription_id, since, until, at, limit])
        if rows:
            await _db().execute_query(WAKE)
        return len(rows)


class PgDeliveryQueue:
    @timed("db", "webhooks.claim")
    async def claim(self, limit: int, lease_seconds: float, per_endpoint: int) -> list[Claimed]:
        rows = await _db().execute_query_dict(CLAIM, [limit, lease_seconds, per_endpoint])
        claimed = [_claimed(r) for r in rows]
        return sorted(claimed, key=lambda c: c.id)

    @timed("db", "webhooks.delivered")
    async def delivered(self, delivery_id: int, status: int, at: datetime) -> None:
        await _db().execute_query(DELIVERED, [delivery_id, status, at])

    @timed("db", "webhooks.retry")
    async def retry(
        self, delivery: Claimed, outcome: SendOutcome, at: datetime, next_at: datetime
    ) -> None:
        values = [delivery.id, at, outcome.status, _error(outcome), next_at]
        await _db().execute_query(RETRY, values)

    @timed("db", "webhooks.give_up")
    async def give_up(self, delivery: Claimed, outcome: SendOutcome, at: datetime) -> None:
        await _db().execute_query(GIVE_UP, [delivery.id, at, outcome.status, _error(outcome)])
        reason = f"failing since {delivery.first_failed_at or at:%Y-%m-%d %H:%M} UTC"
        await _db().execute_query(DISABLE, [delivery.subscription_id, reason, at])

    @timed("db", "webhooks.queue")
    async def stats(self) -> dict[str, float]:
        rows = await _db().execute_query_dict(QUEUE)
        return {key: float(value or 0) for key, value in rows[0].items()}

    @timed("db", "webhooks.by_endpoint")
    async def by_endpoint(self, limit: int) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = await _db().execute_query_dict(BY_ENDPOINT, [limit])
        return rows


def _error(outcome: SendOutcome) -> str | None:
    return outcome.error[:ERROR_LENGTH] if outcome.error else None


def _claimed(row: dict[str, Any]) -> Claimed:
    secrets = [row["secret"]]
    if row["previous_secret"] and row["previous_live"]:
        secrets.append(row["previous_secret"])
    return Claimed(
        id=row["id"],
        subscription_id=row["subscription_id"],
        organisation_id=row["organisation_id"],
        url=row["url"],
        secrets=secrets,
        message_id=row["message_id"],
        event_type=row["type"],
        batch_id=row["batch_id"],
        body=row["body"].encode(),
        attempts=row["attempts"],
        created_at=row["created_at"],
        first_failed_at=row["first_failed_at"],
    )
