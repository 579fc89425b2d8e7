"""Headers every response carries: the request id and the security headers of a JSON API."""

from sanic import Request, Sanic
from sanic.response import BaseHTTPResponse

from api.presentation.guard import guard_request, rate_headers
from api.presentation.refusals import record_denial
from api.presentation.request_id import HEADER, request_id

SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}
# The docs page runs its own inline script and styles; nothing else.
DOCS_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'"
)


async def stamp_response(request: Request, response: BaseHTTPResponse) -> None:
    response.headers[HEADER] = request_id(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    verdict = getattr(request.ctx, "rate", None)
    if verdict is not None:
        response.headers.update(rate_headers(verdict))


def register(app: Sanic) -> None:  # type: ignore[type-arg]
    app.register_middleware(guard_request, "request")
    app.register_middleware(stamp_response, "response")
    app.register_middleware(record_denial, "response")
