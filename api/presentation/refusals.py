"""Refusals the audit trail keeps: authorisation denials (403, and 404 for what exists but is
someone else's) and tokens that are not ours. Each client may cause only so many such rows."""

from uuid import UUID

from loguru import logger
from sanic import Request
from sanic.response import BaseHTTPResponse

from api.application.ports import AccessClaims
from api.domain.errors import DomainError, InvalidToken
from api.infrastructure.faults import UNAVAILABLE_ERRORS
from api.presentation.context import services
from api.presentation.http import request_context
from api.presentation.observe import route_of


async def record_denial(request: Request, response: BaseHTTPResponse) -> None:
    # Left there by the error handler for a 403, or a 404 that hides someone else's batch.
    refusal: DomainError | None = getattr(request.ctx, "refusal", None)
    if refusal is None:
        return
    claims: AccessClaims | None = getattr(request.ctx, "claims", None)
    metadata = {
        "status": response.status,
        "method": request.method,
        "route": route_of(request),
        "reason": refusal.message,
    }
    target = (refusal.target_type, refusal.target_id)
    await _record(request, "access.denied", claims.user_id if claims else None, target, metadata)


async def record_rejected_token(request: Request, error: InvalidToken) -> None:
    metadata: dict[str, object] = {
        "method": request.method,
        "route": route_of(request),
        "reason": error.message,
    }
    await _record(request, "auth.token.rejected", None, (None, None), metadata)


async def _record(
    request: Request,
    action: str,
    actor_id: UUID | None,
    target: tuple[str | None, str | None],
    metadata: dict[str, object],
) -> None:
    try:
        await services(request).audit_trail.refused(
            action, actor_id, target, request_context(request), metadata
        )
    except UNAVAILABLE_ERRORS:
        # The refusal itself stands; only its record is lost, and the log says so.
        logger.warning("audit of {} skipped: a dependency is unavailable", action)
