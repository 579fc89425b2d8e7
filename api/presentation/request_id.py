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


def client_request_id(request: Request) -> str | None:
    """The client's own X-Request-ID, when it sent a well-formed one."""
    given = request.headers.get(HEADER, "")
    return given if _WELL_FORMED.fullmatch(given) else None


def server_request_id(request: Request) -> str:
    """An id the server made, for the audit trail: a client cannot choose or imitate it."""
    if client_request_id(request) is None:
        return request_id(request)
    existing: str | None = getattr(request.ctx, "server_request_id", None)
    if existing is None:
        existing = request.ctx.server_request_id = uuid.uuid4().hex
    return existing
