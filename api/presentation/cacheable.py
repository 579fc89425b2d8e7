"""Answers that shared caches may keep: a strong ETag over the body, and 304 on a match.

An answer that carries a chain's verdict (or anything that changes with the chain) is kept but
checked on every use (`no-cache`): a browser, a CDN or nginx revalidates it with its ETag each
time, so no cache ever hands out a verdict older than the chain (docs/edge.md, "Public
caching"). `X-Accel-Expires` tells nginx's cache the same (nginx keeps it to itself: clients
never see it): `@1` stores the answer as already expired, so nginx revalidates it on every
request, and a number of seconds keeps it that long."""

import hashlib

from sanic import Request
from sanic.response import HTTPResponse, raw

REVALIDATE = {"Cache-Control": "public, no-cache", "X-Accel-Expires": "@1"}


def strong_etag(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return '"' + digest.hexdigest()[:32] + '"'


def cache_headers(etag: str, max_age: int | None) -> dict[str, str]:
    """`max_age` None: kept, but revalidated on every use."""
    if max_age is None:
        return {"ETag": etag, **REVALIDATE}
    return {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age}",
        "X-Accel-Expires": str(max_age),
    }


def holds(request: Request, etag: str) -> bool:
    """Whether the client's If-None-Match names `etag` (then it gets a 304)."""
    asked = request.headers.get("if-none-match", "")
    return asked == "*" or etag in (tag.strip().removeprefix("W/") for tag in asked.split(","))


def answer(
    request: Request, body: bytes, content_type: str, etag: str, max_age: int | None
) -> HTTPResponse:
    headers = cache_headers(etag, max_age)
    if holds(request, etag):
        return HTTPResponse(status=304, headers=headers)
    return raw(body, content_type=content_type, headers=headers)


def cacheable(
    request: Request, body: bytes, content_type: str, max_age: int | None
) -> HTTPResponse:
    """An answer whose ETag is its body's hash."""
    return answer(request, body, content_type, strong_etag(body), max_age)
