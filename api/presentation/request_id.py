import re
import uuid

from sanic import Request

_WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{1,128}")
HEADER = "X-Request-ID"


def request_id(request: Request) -> str:
    """The client's id when well-formed, else a new one; fixed for the request's lifetime."""
    existing: str | None = getattr(request.ctx, "request_id", None)
    if existing is None:
        given = request.headers.get(HEADER, "")
        existing = given if _WELL_FORMED.fullmatch(given) else uuid.uuid4().hex
        request.ctx.request_id = existing
    return existing
