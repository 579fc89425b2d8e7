"""Every request is timed, counted and logged as one HTTP line with its route template."""

import time

from sanic import Request
from sanic.response import BaseHTTPResponse

from api.infrastructure import log_context
from api.infrastructure.logging import http_line
from api.infrastructure.metrics import metrics
from api.presentation.client_address import client_ip
from api.presentation.request_id import request_id


def route_of(request: Request) -> str:
    # The template, not the path: one series per route, whatever ids the clients send.
    route = request.route
    return "/" + route.path.lstrip("/") if route is not None else "unmatched"


def start(request: Request) -> None:
    request.ctx.started = time.perf_counter()
    log_context.request_id.set(request_id(request))
    log_context.user_id.set(None)
    metrics().request_started()


def finish(request: Request, response: BaseHTTPResponse) -> None:
    started = getattr(request.ctx, "started", None)
    counted = started is not None  # not when refused before routing (a body over the limit)
    if started is None:
        started = time.perf_counter()
    elapsed = time.perf_counter() - started
    route, status = route_of(request), response.status
    metrics().answered(request.method, route, status, elapsed, in_flight=counted)
    claims = getattr(request.ctx, "claims", None)
    http_line(
        {
            "method": request.method,
            "route": route,
            "path": request.path,
            "status": status,
            "latency_ms": round(elapsed * 1000, 2),
            "ip": client_ip(request),
            "request_id": request_id(request),
            "user_id": str(claims.user_id) if claims else None,
        }
    )
