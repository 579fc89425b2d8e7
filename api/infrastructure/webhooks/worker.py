"""The delivery loop: claims due deliveries (up to its concurrency), sends each in its own task
so that a slow endpoint holds only its own slots, and claims again once a quarter of the slots
are free (or none is busy), or every poll interval. On stop it claims nothing more and lets the
sends in flight finish."""

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime

from loguru import logger

from api.application.ports import Claimed
from api.application.webhooks import Dispatcher
from api.infrastructure.db.webhooks import PgDeliveryQueue
from api.infrastructure.webhooks.metrics import WebhookMetrics


@dataclass(frozen=True)
class WorkerPolicy:
    concurrency: int
    per_endpoint: int
    lease_seconds: float
    poll_seconds: float
    stats_seconds: float = 15.0


class DeliveryWorker:
    def __init__(
        self,
        queue: PgDeliveryQueue,
        dispatcher: Dispatcher,
        policy: WorkerPolicy,
        metrics: WebhookMetrics,
    ) -> None:
        self._queue = queue
        self._dispatcher = dispatcher
        self._policy = policy
        self._metrics = metrics
        self._in_flight: set[asyncio.Task[None]] = set()
        self._stats_due = 0.0

    async def run(self, stop: asyncio.Event, wake: asyncio.Event | None = None) -> None:
        """Until `stop` is set. `wake`, set when an event commits (PostgreSQL's NOTIFY), ends
        an idle wait at once; without it the worker only polls."""
        loop = asyncio.get_running_loop()
        stopping = loop.create_task(stop.wait())
        wake = wake or asyncio.Event()
        waking = loop.create_task(wake.wait())
        try:
            while not stop.is_set():
                if wake.is_set():
                    wake.clear()
                    waking = loop.create_task(wake.wait())
                await self._stats(loop.time())
                free = self._policy.concurrency - len(self._in_flight)
                # A claim reads the whole due queue: make one for a quarter of the slots at
                # least, not one per delivery that ends, unless nothing is in flight.
                enough = free >= max(1, self._policy.concurrency // 4) or not self._in_flight
                claimed = await self._claim(free) if free > 0 and enough else []
                for delivery in claimed:
                    task = loop.create_task(self._deliver(delivery))
                    self._in_flight.add(task)
                    task.add_done_callback(self._in_flight.discard)
                if claimed and len(claimed) == free:
                    continue  # more may be due: claim again once slots free
                waiting = {stopping, waking, *self._in_flight}
                await asyncio.wait(
                    waiting, timeout=self._policy.poll_seconds, return_when="FIRST_COMPLETED"
                )
        finally:
            stopping.cancel()
            waking.cancel()
            if self._in_flight:
                logger.info("finishing {} webhook deliveries in flight", len(self._in_flight))
                await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def _claim(self, free: int) -> list[Claimed]:
        policy = self._policy
        try:
            return await self._queue.claim(free, policy.lease_seconds, policy.per_endpoint)
        except Exception as exc:
            logger.warning("cannot claim webhook deliveries: {}", type(exc).__name__)
            return []

    async def _deliver(self, delivery: Claimed) -> None:
        self._metrics.in_flight.inc()
        started = asyncio.get_running_loop().time()
        try:
            outcome, disabled = await self._dispatcher.deliver(delivery)
        except Exception:
            logger.exception("webhook delivery {} failed to complete", delivery.id)
            return
        finally:
            self._metrics.in_flight.dec()
        self._metrics.send_seconds.observe(asyncio.get_running_loop().time() - started)
        if outcome.ok:
            self._metrics.deliveries.labels("delivered").inc()
            delay = (datetime.now(UTC) - delivery.created_at).total_seconds()
            self._metrics.delay.observe(max(0.0, delay))
        elif disabled:
            self._metrics.deliveries.labels("gave_up").inc()
            self._metrics.disabled.inc()
            logger.warning(
                "webhook {} disabled after failing for the retry window ({})",
                delivery.subscription_id,
                outcome.error,
            )
        else:
            self._metrics.deliveries.labels("retry").inc()

    async def _stats(self, now: float) -> None:
        if now < self._stats_due:
            return
        self._stats_due = now + self._policy.stats_seconds
        with contextlib.suppress(Exception):
            self._metrics.queue(await self._queue.stats())
