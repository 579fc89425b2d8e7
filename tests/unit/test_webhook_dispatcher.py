"""The dispatcher: each delivery goes out signed as Standard Webhooks says, a failure is tried
again after a backoff, and an endpoint failing for the whole window is disabled, its owners told
through the audit trail."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from api.application.ports import Claimed, SendOutcome
from api.application.webhooks import Dispatcher
from api.domain.webhooks import RetryPolicy, new_secret
from tests.support.fakes import FakeAuditLog, FakeClock, NullUnitOfWork
from tests.support.standard_webhooks import verify


@dataclass
class Queue:
    outcomes: list[tuple[str, int, datetime | None]] = field(default_factory=list)

    async def claim(self, limit: int, lease_seconds: float, per_endpoint: int) -> list[Claimed]:
        return []

    async def delivered(self, delivery_id: int, status: int, at: datetime) -> None:
        self.outcomes.append(("delivered", delivery_id, None))

    async def retry(
        self, delivery: Claimed, outcome: SendOutcome, at: datetime, next_at: datetime
    ) -> None:
        self.outcomes.append(("retry", delivery.id, next_at))

    async def give_up(self, delivery: Claimed, outcome: SendOutcome, at: datetime) -> None:
        self.outcomes.append(("give_up", delivery.id, None))


@dataclass
class Sender:
    answer: SendOutcome
    sent: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    async def send(self, url: str, headers: dict[str, str], body: bytes) -> SendOutcome:
        self.sent.append((url, headers, body))
        return self.answer


def claimed(secrets: list[str], attempts: int = 0, first_failed_at: datetime | None = None):
    return Claimed(
        7, uuid.uuid4(), uuid.uuid4(), "https://erp.partner.example/hooks", secrets, "msg_abc",
        "batch.shipped", uuid.uuid4(), b'{"type":"batch.shipped"}', attempts,
        datetime(2031, 1, 1), first_failed_at,
    )  # fmt: skip


def dispatcher(answer: SendOutcome, clock: FakeClock) -> tuple[Dispatcher, Queue, Sender]:
    queue, sender = Queue(), Sender(answer)
    policy = RetryPolicy(first=timedelta(seconds=5), window=timedelta(days=3))
    made = Dispatcher(queue, sender, FakeAuditLog(), NullUnitOfWork(), clock, policy)
    return made, queue, sender


async def test_a_delivery_is_signed_with_every_live_secret_and_acknowledged():
    clock = FakeClock()
    new, old = new_secret(), new_secret()
    made, queue, sender = dispatcher(SendOutcome(True, 204), clock)

    outcome, disabled = await made.deliver(claimed([new, old]))

    assert outcome.ok
    assert not disabled
    [(_url, headers, body)] = sender.sent
    assert headers["webhook-id"] == "msg_abc"
    assert headers["content-type"] == "application/json"
    now = clock.now().timestamp()
    for secret in (new, old):
        verify(secret, headers, body, now=now)
    assert queue.outcomes == [("delivered", 7, None)]


async def test_a_failure_is_tried_again_after_a_backoff():
    clock = FakeClock()
    made, queue, _ = dispatcher(SendOutcome(False, 500, "answered 500"), clock)

    _, disabled = await made.deliver(claimed([new_secret()]))

    [(kind, _, next_at)] = queue.outcomes
    assert kind == "retry"
    assert not disabled
    assert next_at is not None
    assert timedelta(seconds=4) <= next_at - clock.now() <= timedelta(seconds=6)


async def test_failing_for_the_whole_window_disables_the_endpoint_and_tells_its_owners():
    clock = FakeClock()
    made, queue, _ = dispatcher(SendOutcome(False, None, "timed out"), clock)
    first_failed = clock.now() - timedelta(days=3, minutes=1)
    delivery = claimed([new_secret()], attempts=20, first_failed_at=first_failed)

    _, disabled = await made.deliver(delivery)

    assert disabled
    assert queue.outcomes == [("give_up", 7, None)]
    [(event, _)] = made.audit.entries  # type: ignore[attr-defined]
    assert event.action == "webhook.disabled"
    assert event.actor_id is None
    assert event.target_id == str(delivery.subscription_id)
    assert event.context.organisation_id == delivery.organisation_id
    assert event.metadata["reason"] == "timed out"
