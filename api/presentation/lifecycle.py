"""A worker's connection handling on shutdown: kept-alive connections are closed after their
current answer while writes in flight finish. (Slow clients are cut by BoundedReadProtocol, in
api/infrastructure/patches.py.)"""

import asyncio
from typing import Any

from loguru import logger
from sanic import Request, Sanic
from sanic.response import BaseHTTPResponse

DRAIN_PAUSE_SECONDS = 0.5


async def start_draining(app: Sanic[Any, Any]) -> None:
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
    """Writes whose clients left still run; let them end before the pools close."""
    pending = set(app.ctx.writes_in_flight)
    if not pending:
        return
    _, late = await asyncio.wait(pending, timeout=grace_seconds)
    if late:
        logger.error("{} writes did not finish within the shutdown grace period", len(late))


def register(app: Sanic[Any, Any]) -> None:
    app.register_listener(start_draining, "before_server_stop")
