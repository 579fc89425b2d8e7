"""What a route declares next to its handler for the OpenAPI document.

`@operation(Operation(...))` gives the operation's id, words, body and query models and the
statuses its handler itself answers, and who may call it (`access`, and `scope` for machine
clients: the guard middleware enforces the same values the document's `security` shows). The
statuses every operation of a kind can answer are implied here, once: 400/413/415/422 with a
body (400/413 with a form), 400 with query or path parameters, 401 when a token is required,
429 and 503 behind the guard middleware.
docs/API.md says the same in words.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from pydantic import BaseModel

from api.presentation.access import Access, declare
from api.presentation.schemas.common import ERROR_CODES, ErrorOut

H = TypeVar("H", bound=Callable[..., Any])

REPLAYED = "Idempotent-Replayed"
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "ETags of copies the client holds; a match is answered 304 without a body.",
    "schema": {"type": "string"},
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "1-255 visible ASCII characters, unique per intended operation. A retry with the same"
        " key and body within 24 h gets the first answer again instead of repeating the work."
    ),
    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
}
UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


@dataclass(frozen=True)
class Reply:
    """One status an operation answers; `model=None` means no body (204)."""

    status: int
    description: str
    model: type[BaseModel] | None = None
    headers: tuple[str, ...] = ()
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    example: Any = None
    # A body that is not JSON (an image): its media type and schema, with `model=None`.
    media: str = "application/json"
    schema: dict[str, Any] | None = None
    # The same answer in other media types (a file in the format asked for): their schemas.
    other_media: tuple[tuple[str, dict[str, Any]], ...] = ()


@dataclass(frozen=True)
class PathParam:
    """A path parameter that is not an id (ids are `path_ids`: UUIDs, 400 when malformed)."""

    name: str
    description: str
    schema: dict[str, Any]


def error(status: int, description: str) -> Reply:
    headers = {401: ("WWW-Authenticate",), 429: ("Retry-After",), 503: ("Retry-After",)}
    return Reply(status, description, ErrorOut, headers.get(status, ()))


STANDARD_ERRORS = {
    400: error(400, "Malformed JSON, or a query or path parameter that is not valid"),
    401: error(401, "Missing, invalid, expired or revoked access token"),
    403: error(403, "Authenticated, but not allowed to do this"),
    404: error(404, "No such resource for this caller"),
    409: error(409, "Conflicts with the current state"),
    413: error(413, "The body is over the size limit"),
    415: error(415, "The body is not JSON"),
    422: error(422, "Well-formed JSON that breaks the schema; `details` names the fields"),
    429: error(429, "Too many requests; retry after `Retry-After` seconds"),
    503: error(503, "PostgreSQL or Redis is unavailable; retry after `Retry-After` seconds"),
}


@dataclass(frozen=True)
class Operation:
    id: str
    summary: str
    description: str
    tag: str
    replies: tuple[Reply, ...]
    access: Access
    body: type[BaseModel] | None = None
    body_required: bool = True
    query: type[BaseModel] | None = None
    path_ids: tuple[str, ...] = ()
    path_params: tuple[PathParam, ...] = ()
    # Request headers besides Authorization and Idempotency-Key (OpenAPI parameter objects).
    header_params: tuple[dict[str, Any], ...] = ()
    # Takes an Idempotency-Key: a malformed key is a 400, a retry while the first runs a 409, the
    # same key with another body a 422; a replayed answer says `Idempotent-Replayed: true`.
    idempotent: bool = False
    # The scope a machine client's token needs (api/domain/clients.py); None: people only.
    scope: str | None = None
    # The body is an HTML form (or the same fields as JSON), as OAuth's token requests are;
    # what is wrong with one is a 400, never a 415 or 422.
    form: bool = False
    # The document's security requirements, when not the ones `access` and `scope` imply.
    security: tuple[dict[str, list[str]], ...] | None = None

    def all_replies(self) -> list[Reply]:
        replies = {r.status: r for r in self.replies}
        implied: list[int] = []
        if self.body is not None:
            implied += [400, 413] if self.form else [400, 413, 415, 422]
        if self.query is not None or self.path_ids:
            implied.append(400)
        if self.idempotent:
            implied += [400, 409, 422]
        if self.access.needs_token:
            implied.append(401)
        if self.access.guarded:
            implied += [429, 503]
        for status in implied:
            replies.setdefault(status, STANDARD_ERRORS[status])
        if self.idempotent:
            for status, reply in replies.items():
                if 200 <= status < 300:
                    replies[status] = replace(reply, headers=(*reply.headers, REPLAYED))
        return [replies[s] for s in sorted(replies)]

    def statuses(self) -> list[int]:
        return [r.status for r in self.all_replies()]


def operation(op: Operation) -> Callable[[H], H]:
    """Declare a handler's part of the document, and so who may call it."""

    def mark(handler: H) -> H:
        declare(handler, op.access, op.scope)
        handler.__dict__["openapi_operation"] = op
        return handler

    return mark


def declared(handler: Any) -> Operation | None:
    while handler is not None:
        op = getattr(handler, "openapi_operation", None)
        if isinstance(op, Operation):
            return op
        # Through functools.wraps, and from sanic-ext's HEAD handlers to their GET's.
        handler = getattr(handler, "__wrapped__", None) or getattr(
            handler, "__route_handler__", None
        )
    return None


def error_codes_text(status: int) -> str:
    codes = [code for code, s in ERROR_CODES.items() if s == status]
    return "code " + " or ".join(f"`{c}`" for c in codes)


def _header(description: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": schema}


_TEXT = {"type": "string"}
_COUNT = {"type": "integer", "minimum": 0}
HEADERS = {
    "X-Request-ID": _header(
        "The client's id when it is 1-128 characters of [A-Za-z0-9._-], otherwise a new one",
        {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,128}$"},
        required=True,
    ),
    "Strict-Transport-Security": _header("HSTS", _TEXT, required=True),
    "X-Content-Type-Options": _header("Always `nosniff`", {"const": "nosniff"}, required=True),
    "X-Frame-Options": _header("Always `DENY`", {"const": "DENY"}, required=True),
    "Referrer-Policy": _header("Referrer policy", _TEXT, required=True),
    "Content-Security-Policy": _header("CSP for a JSON API", _TEXT, required=True),
    "Cross-Origin-Resource-Policy": _header("CORP", _TEXT, required=True),
    "Cache-Control": _header("Caching policy", _TEXT, required=True),
    "RateLimit-Limit": _header("Requests allowed in the window", _COUNT),
    "RateLimit-Remaining": _header("Requests left in the window", _COUNT),
    "RateLimit-Reset": _header("Seconds until the window resets", _COUNT),
    "Retry-After": _header(
        "Seconds to wait before retrying", {"type": "integer", "minimum": 1}, True
    ),
    "Location": _header("The new resource's URL", _TEXT, required=True),
    "Content-Disposition": _header(
        '`attachment; filename="..."`: the file\'s name', _TEXT, required=True
    ),
    "ETag": _header("A strong validator of the body, for `If-None-Match`", _TEXT, required=True),
    "WWW-Authenticate": _header(
        '`Bearer`; on the token endpoint, `Basic realm="agrobridge"`',
        {"enum": ["Bearer", 'Basic realm="agrobridge"']},
        required=True,
    ),
    REPLAYED: _header(
        "`true` when this is the stored answer to an earlier request", {"const": "true"}
    ),
    "Allow": _header("The methods this path answers (with 405)", _TEXT, required=True),
    "GS1-EPCIS-Version": _header("The EPCIS version answered, `2.0`", {"const": "2.0"}, True),
    "GS1-CBV-Version": _header("The CBV version answered, `2.0`", {"const": "2.0"}, True),
    "Link": _header(
        'The next page, `<...&nextPageToken=...>; rel="next"`; absent on the last page', _TEXT
    ),
    "Vary": _header("The request headers the answer depends on", _TEXT, required=True),
}
COMMON_HEADERS = (
    "X-Request-ID",
    "Strict-Transport-Security",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Content-Security-Policy",
    "Cross-Origin-Resource-Policy",
    "Cache-Control",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
)
