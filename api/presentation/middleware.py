"""The app's two middlewares: one before and one after every request. Each step is a plain
call inside them, rather than a middleware of its own, since Sanic's per-middleware dispatch
costs more than most of the steps."""

from sanic import Request, Sanic
from sanic.compat import Header
from sanic.response import BaseHTTPResponse

from api.presentation import lifecycle, observe
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


def stamp_response(request: Request, response: BaseHTTPResponse) -> None:
    headers = response.headers
    headers[HEADER] = request_id(request)
    for name, value in SECURITY_HEADERS.items():
        if name not in headers:
            headers[name] = value
    verdict = getattr(request.ctx, "rate", None)
    if verdict is not None:
        headers.update(rate_headers(verdict))
    if request.app.ctx.settings.cors_origins:
        vary_on_origin(headers)


def vary_on_origin(headers: Header) -> None:
    """With CORS on, every answer depends on the Origin: an allowed one gets CORS headers, any
    other (or none) does not. Without `Vary: Origin` a shared cache could hand the answer to a
    disallowed origin, kept for a minute, to the allowed app, without its CORS headers."""
    named = {
        part.strip().lower() for value in headers.getall("vary", []) for part in value.split(",")
    }
    if "origin" not in named and "*" not in named:
        headers.add("Vary", "Origin")


async def before(request: Request) -> None:
    observe.start(request)
    await guard_request(request)


async def after(request: Request, response: BaseHTTPResponse) -> None:
    lifecycle.close_when_draining(request, response)
    stamp_response(request, response)
    await record_denial(request, response)
    observe.finish(request, response)


def register(app: Sanic) -> None:  # type: ignore[type-arg]
    app.register_middleware(before, "request")
    app.register_middleware(after, "response")
