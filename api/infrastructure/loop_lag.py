"""How long the event loop goes without running its timers: the stall every request in the
worker waits out. Measured by a timer that should fire every interval, kept as a metric, and
logged (with what the loop was running) when it passes the warning threshold."""

import asyncio
import time

from loguru import logger

from api.infrastructure.metrics import metrics

INTERVAL_SECONDS = 0.1
WARN_SECONDS = 0.5


async def watch_loop_lag() -> None:
    while True:
        expected = time.perf_counter() + INTERVAL_SECONDS
        await asyncio.sleep(INTERVAL_SECONDS)
        lag = max(0.0, time.perf_counter() - expected)
        metrics().loop_lag.observe(lag)
        if lag > WARN_SECONDS:
            logger.warning("event loop stalled for {:.2f} s", lag)
