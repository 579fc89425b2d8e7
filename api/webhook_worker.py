"""`python -m api webhooks`: the webhook delivery worker, its own process beside the API (one or
more per deployment: they share the queue through PostgreSQL). SIGTERM or SIGINT: it claims
nothing more, finishes the deliveries in flight and exits."""

import asyncio
import signal
from datetime import timedelta

import asyncpg
from loguru import logger
from tortoise import Tortoise

from api.app import log_config
from api.application.webhooks import Dispatcher
from api.domain.webhooks import RetryPolicy
from api.infrastructure import logging
from api.infrastructure.clock import SystemClock
from api.infrastructure.db.audit import PgAuditLog
from api.infrastructure.db.config import Limits, tortoise_config
from api.infrastructure.db.unit_of_work import PgUnitOfWork
from api.infrastructure.db.webhooks import CHANNEL, PgDeliveryQueue
from api.infrastructure.webhooks.metrics import WebhookMetrics
from api.infrastructure.webhooks.sender import HttpSender
from api.infrastructure.webhooks.worker import DeliveryWorker, WorkerPolicy
from api.settings import Settings


async def listen(
    database_url: str, wake: asyncio.Event, wait_seconds: float = 3.0
) -> asyncpg.Connection | None:
    """A connection of its own that hears each commit with deliveries (NOTIFY), so that an
    idle worker starts at once rather than at its next poll. Without it, it polls."""
    try:
        connection = await asyncpg.connect(database_url, timeout=wait_seconds)
        await connection.add_listener(CHANNEL, lambda *_: wake.set())
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        logger.warning("webhook worker polls only: cannot listen ({})", type(exc).__name__)
        return None
    return connection


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        first=timedelta(seconds=settings.webhook_retry_first_seconds),
        ceiling=timedelta(seconds=settings.webhook_retry_ceiling_seconds),
        window=timedelta(seconds=settings.webhook_retry_window_seconds),
    )


async def run_worker(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    limits = Limits(
        acquire=settings.db_acquire_timeout_seconds,
        statement=settings.db_statement_timeout_seconds,
        lock=settings.db_lock_timeout_seconds,
    )
    # Few connections: claims and outcomes are short statements.
    pool = min(settings.db_pool_max, 4)
    await Tortoise.init(
        config=tortoise_config(
            settings.database_url.get_secret_value(), 1, pool, limits, pooled=settings.pooled
        ),
        _enable_global_fallback=True,
    )
    metrics = WebhookMetrics()
    if settings.webhook_metrics_port:
        metrics.serve(settings.webhook_metrics_host, settings.webhook_metrics_port)
    sender = HttpSender(settings.webhook_timeout_seconds, settings.webhook_allow_private_targets)
    queue = PgDeliveryQueue()
    dispatcher = Dispatcher(
        queue, sender, PgAuditLog(), PgUnitOfWork(pool, 0, limits.acquire), SystemClock(),
        retry_policy(settings),
    )  # fmt: skip
    policy = WorkerPolicy(
        concurrency=settings.webhook_concurrency,
        per_endpoint=settings.webhook_per_endpoint,
        lease_seconds=settings.webhook_lease_seconds,
        poll_seconds=settings.webhook_poll_seconds,
    )
    wake = asyncio.Event()
    listener = None
    if (url := settings.listen_url) is None:
        logger.info(
            "webhook worker polls only: the database URL is pooled and no listen URL is set"
        )
    else:
        listener = await listen(url, wake, settings.db_acquire_timeout_seconds)
    logger.info("webhook worker started ({} at a time)", policy.concurrency)
    try:
        await DeliveryWorker(queue, dispatcher, policy, metrics).run(stop, wake)
    finally:
        if listener is not None:
            await listener.close()
        await sender.close()
        await Tortoise.close_connections()
        logger.info("webhook worker stopped")


async def queue_report(settings: Settings) -> dict[str, object]:
    """What `just webhooks-queue` prints: the queue's totals and the endpoints it waits on."""
    url = settings.database_url.get_secret_value()
    await Tortoise.init(config=tortoise_config(url, 1, 1, pooled=settings.pooled))
    try:
        queue = PgDeliveryQueue()
        endpoints = [
            {**row, "id": str(row["id"]), "organisation_id": str(row["organisation_id"])}
            for row in await queue.by_endpoint(20)
        ]
        return {"queue": await queue.stats(), "endpoints": endpoints}
    finally:
        await Tortoise.close_connections()


def main(settings: Settings) -> None:
    logging.configure(log_config(settings))
    try:
        asyncio.run(run_worker(settings))
    finally:
        logging.flush()
