import asyncio

from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse
from sanic_ext import openapi

from api.presentation.context import services

bp = Blueprint("health", url_prefix="/health")
CHECK_TIMEOUT_SECONDS = 2.0


@bp.get("/")
@openapi.summary("Liveness: the process is up; no dependency is checked")
async def live(request: Request) -> HTTPResponse:
    return json({"status": "ok"})


@bp.get("/ready")
@openapi.summary("Readiness: PostgreSQL and Redis each answer")
@openapi.response(503, description="a dependency failed; its check reads 'error'")
async def ready(request: Request) -> HTTPResponse:
    probes = services(request).probes
    results = await asyncio.gather(
        *(asyncio.wait_for(p.ping(), CHECK_TIMEOUT_SECONDS) for p in probes.values()),
        return_exceptions=True,
    )
    checks = {
        name: "error" if isinstance(r, BaseException) else "ok"
        for name, r in zip(probes, results, strict=True)
    }
    healthy = all(v == "ok" for v in checks.values())
    return json(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
