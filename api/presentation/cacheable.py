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


def cacheable(
    request: Request, body: bytes, content_type: str, max_age: int | None
) -> HTTPResponse:
    """`max_age` None: kept, but revalidated on every use."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    policy = REVALIDATE
    if max_age is not None:
        policy = {"Cache-Control": f"public, max-age={max_age}", "X-Accel-Expires": str(max_age)}
    headers = {"ETag": etag, **policy}
    asked = request.headers.get("if-none-match", "")
    if etag in (tag.strip().removeprefix("W/") for tag in asked.split(",")) or asked == "*":
        return HTTPResponse(status=304, headers=headers)
    return raw(body, content_type=content_type, headers=headers)
