"""A worker's connection handling at its edges: slow clients are cut, and on shutdown kept-alive
connections are closed after their current answer while writes in flight finish."""

import asyncio
import signal
import time
from types import FrameType
from typing import Any

from loguru import logger
from sanic import Request, Sanic
from sanic.http import Stage
from sanic.response import BaseHTTPResponse
from sanic.server.protocols.http_protocol import HttpProtocol

DRAIN_PAUSE_SECONDS = 0.5


class BoundedReadProtocol(HttpProtocol):
    """Sanic restarts its request timer on every byte received, so a client that trickles its
    headers one byte at a time is never timed out. Here a request's time to arrive runs from
    its first byte."""

    def data_received(self, data: bytes) -> None:
        http = getattr(self, "_http", None)
        reading = http is not None and http.stage is Stage.REQUEST
        started = self._time
        super().data_received(data)
        if reading:
            self._time = started


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
        for each in STOP_SIGNALS:
            signal.signal(each, signal.SIG_IGN)
        loop.call_soon_threadsafe(app.stop, False)

    for signum in STOP_SIGNALS:
        signal.signal(signum, on_signal)


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
