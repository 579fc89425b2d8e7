"""Unsafe requests that survive the client: `Idempotency-Key` replays, and work that finishes.

A write that has started runs to its end even if the client hangs up (its answer is then only
counted and logged), so that a retry never meets a half-done write. With an `Idempotency-Key`,
the first complete answer is kept for a day and a retry with the same key and body gets it
back instead of creating a second batch.
"""

import asyncio
import hashlib
import re
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from loguru import logger
from sanic import Request
from sanic.response import HTTPResponse, raw

from api.domain.errors import Conflict, DomainError, FieldIssue, MalformedInput, ValidationFailed
from api.infrastructure.cache.idempotency import StoredResponse
from api.infrastructure.faults import UNAVAILABLE_ERRORS
from api.presentation.context import services

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")
KEPT_HEADERS = ("location", "content-type")

Handler = Callable[..., Awaitable[HTTPResponse]]


def idempotent(handler: Handler) -> Handler:
    @wraps(handler)
    async def run(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        work = asyncio.ensure_future(_respond(handler, request, *args, **kwargs))
        in_flight(request).add(work)
        work.add_done_callback(lambda done: _settle(request, done))
        try:
            return await asyncio.shield(work)
        except asyncio.CancelledError:
            request.ctx.abandoned = True
            raise

    return run


def in_flight(request: Request) -> set[asyncio.Future[HTTPResponse]]:
    """Writes still running in this worker; the server waits for them before it stops."""
    writes: set[asyncio.Future[HTTPResponse]] = request.app.ctx.writes_in_flight
    return writes


def _settle(request: Request, done: asyncio.Future[HTTPResponse]) -> None:
    in_flight(request).discard(done)
    if done.cancelled():
        return
    exc = done.exception()  # read it, so that an abandoned write's error is not "never retrieved"
    abandoned = getattr(request.ctx, "abandoned", False)
    if abandoned and exc is not None and not isinstance(exc, (DomainError, *UNAVAILABLE_ERRORS)):
        logger.opt(exception=exc).error("write failed after its client left: {}", request.path)


async def _respond(handler: Handler, request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
    key = request.headers.get(HEADER)
    claims = getattr(request.ctx, "claims", None)
    if key is None or claims is None:
        return await handler(request, *args, **kwargs)
    if not VALID_KEY.fullmatch(key):
        raise MalformedInput(f"{HEADER} must be 1 to 255 visible ASCII characters")
    store = services(request).idempotency
    scope = f"{claims.user_id}:{request.method}:{request.path}:{key}"
    fingerprint = hashlib.sha256(request.body or b"").hexdigest()
    claim = await store.claim(scope, fingerprint)
    if not claim.acquired:
        if claim.fingerprint != fingerprint:
            raise ValidationFailed(
                f"this {HEADER} was used with a different request",
                [FieldIssue(HEADER, "already used with another body; use a new key")],
            )
        if claim.stored is None:
            raise Conflict(f"a request with this {HEADER} is still in progress; retry shortly")
        return _replay(claim.stored)
    try:
        response = await handler(request, *args, **kwargs)
    except BaseException:
        await store.release(scope)
        raise
    if 200 <= response.status < 300:
        headers = {str(k).lower(): str(v) for k, v in response.headers.items()}
        kept = {k: v for k, v in headers.items() if k in KEPT_HEADERS}
        body = bytes(response.body or b"")
        try:
            await store.store(scope, StoredResponse(fingerprint, response.status, body, kept))
        except UNAVAILABLE_ERRORS:
            # The work is done and must be answered; only a later retry loses its replay.
            logger.warning("could not keep the answer for an {}", HEADER)
    else:
        await store.release(scope)
    return response


def _replay(stored: StoredResponse) -> HTTPResponse:
    headers = {k: v for k, v in stored.headers.items() if k.lower() != "content-type"}
    headers[REPLAYED] = "true"
    content_type = stored.headers.get("content-type", "application/json")
    return raw(stored.body, status=stored.status, headers=headers, content_type=content_type)
