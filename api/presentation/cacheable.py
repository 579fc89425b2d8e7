"""Answers that shared caches may keep: a strong ETag over the body, and 304 on a match."""

import hashlib

from sanic import Request
from sanic.response import HTTPResponse, raw


def cacheable(request: Request, body: bytes, content_type: str, max_age: int) -> HTTPResponse:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    asked = request.headers.get("if-none-match", "")
    if etag in (tag.strip().removeprefix("W/") for tag in asked.split(",")) or asked == "*":
        return HTTPResponse(status=304, headers=headers)
    return raw(body, content_type=content_type, headers=headers)
