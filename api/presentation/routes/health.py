import asyncio

from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse

from api.presentation.access import Access
from api.presentation.context import AppContext
from api.presentation.schemas.health import LiveOut, ReadyOut
from api.presentation.schemas.operations import Operation, Reply, operation

bp = Blueprint("health", url_prefix="/health")
CHECK_TIMEOUT_SECONDS = 2.0


@bp.get("/")
@operation(
    Operation(
        id="health_live",
        summary="Liveness",
        description="The process is up; no dependency is checked.",
        tag="health",
        replies=(Reply(200, "The process is up", LiveOut),),
        access=Access.UNGUARDED,
    )
)
async def live(request: Request) -> HTTPResponse:
    return json({"status": "ok"})


@bp.get("/ready")
@operation(
    Operation(
        id="health_ready",
        summary="Readiness",
        description=(
            "PostgreSQL and Redis each answer within 2 s. Answers in its own shape, for load"
            " balancers; a worker that is still starting answers 503 with no checks."
        ),
        tag="health",
        replies=(
            Reply(200, "Every dependency answers", ReadyOut),
            Reply(
                503, "A dependency failed (its check reads `error`), or still starting", ReadyOut
            ),
        ),
        access=Access.UNGUARDED,
    )
)
async def ready(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    assert isinstance(ctx, AppContext)
    if ctx.services is None:  # a probe that arrives while the worker starts
        return json({"status": "unavailable", "checks": {}}, status=503)
    probes = ctx.services.probes
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
