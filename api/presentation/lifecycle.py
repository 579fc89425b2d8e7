"""A worker's connection handling on shutdown: it drains on the first stop signal, and
kept-alive connections are closed after their current answer while writes in flight finish.
(Slow clients are cut by BoundedReadProtocol, in api/infrastructure/patches.py.)"""

import asyncio
import signal
import time
from types import FrameType
from typing import Any

from loguru import logger
from sanic import Request, Sanic
from sanic.response import BaseHTTPResponse

DRAIN_PAUSE_SECONDS = 0.5


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def take_stop_signals(app: Sanic[Any, Any]) -> None:
    """A worker drains on the first SIGTERM or SIGINT and ignores the ones after it.

    It gets several as a rule: the service manager signals every process of the server, then
    the main process terminates each worker. Sanic's own handlers are registered with the event
    loop, which resets them to the default once it stops, so a second signal in the middle of
    the drain killed the worker with its requests. These are plain handlers that Sanic does not
    touch; the main process kills a worker still there after the grace.
    """
    loop = asyncio.get_running_loop()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # A handler that does nothing, not SIG_IGN: a second signal caught before this one
        # was handled would then be reported as "ignored due to race condition", with a
        # traceback, when Python found no handler for it.
        for each in STOP_SIGNALS:
            signal.signal(each, _already_stopping)
        loop.call_soon_threadsafe(app.stop, False)

    for signum in STOP_SIGNALS:
        signal.signal(signum, on_signal)


def _already_stopping(signum: int, frame: FrameType | None) -> None:
    """The worker is draining: later stop signals change nothing."""


async def start_draining(app: Sanic[Any, Any]) -> None:
    app.ctx.drain_started = time.monotonic()
    # From now on every answer closes its connection. Sanic closes the connections that are
    # idle right after this listener: a short pause lets clients in the middle of a keep-alive
    # exchange send their next request and get it answered, instead of racing the close.
    app.ctx.draining = True
    await asyncio.sleep(min(DRAIN_PAUSE_SECONDS, app.ctx.settings.shutdown_grace_seconds / 4))


def close_when_draining(request: Request, response: BaseHTTPResponse) -> None:
    if getattr(request.app.ctx, "draining", False) and request.stream is not None:
        # The answer carries `Connection: close`: the client reconnects, to another instance.
        request.stream.keep_alive = False  # type: ignore[attr-defined]


async def finish_writes(app: Sanic[Any, Any], grace_seconds: float) -> None:
    """Writes whose clients left still run; let them end, within what is left of the grace,
    before the pools close."""
    pending = set(app.ctx.writes_in_flight)
    if not pending:
        return
    started = getattr(app.ctx, "drain_started", time.monotonic())
    left = max(grace_seconds - (time.monotonic() - started), 0.1)
    _, late = await asyncio.wait(pending, timeout=left)
    if late:
        logger.error("{} writes did not finish within the shutdown grace period", len(late))


def register(app: Sanic[Any, Any]) -> None:
    app.register_listener(take_stop_signals, "after_server_start", priority=100)
    app.register_listener(start_draining, "before_server_stop")
