"""Before every request: the matched route's declared access (api/presentation/access.py)
says whether a token is required, ignored or optional and which allowance the caller spends;
one Redis round trip answers both whether they are over their rate and whether their token is
revoked. A machine client's token must also carry the scope the route declares. A request the
route's access refuses ends here, before its handler runs."""

from loguru import logger
from sanic import Request
from sanic_routing import Route

from api.application.ports import AccessClaims
from api.domain.errors import DomainError, InvalidToken, NotAuthenticated, NotPermitted, Throttled
from api.infrastructure import log_context
from api.infrastructure.cache.guard import Verdict
from api.infrastructure.faults import UNAVAILABLE_ERRORS
from api.presentation.access import (
    UNDECLARED,
    Access,
    Bucket,
    TokenUse,
    declared_access,
    declared_scope,
)
from api.presentation.client_address import client_ip
from api.presentation.context import services
from api.presentation.refusals import record_rejected_token
from api.settings import Settings

# A request that matches no route (answered 404 or 405): a token is read if sent, never
# demanded, and an anonymous caller spends the address's general allowance.
UNMATCHED = Access.OPEN


def route_access(route: Route | None) -> Access:
    """The route's declaration, read once per route; none declared means a token is needed."""
    if route is None:
        return UNMATCHED
    kind: Access | None = getattr(route.ctx, "access", None)
    if kind is None:
        kind = route.ctx.access = declared_access(route.handler) or UNDECLARED
    return kind


def route_scope(route: Route | None) -> str | None:
    """The scope a machine client needs for the route, read once per route; None: people only."""
    if route is None:
        return None
    if not hasattr(route.ctx, "scope"):
        route.ctx.scope = declared_scope(route.handler)
    scope: str | None = route.ctx.scope
    return scope


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def guard_request(request: Request) -> None:
    kind = route_access(request.route)
    if not kind.guarded or request.method == "OPTIONS":
        return
    claims, refusal = None, None
    if kind.token_use is not TokenUse.IGNORED:
        claims, refusal = _verified_claims(request)
    if isinstance(refusal, InvalidToken):
        await record_rejected_token(request, refusal)
    settings: Settings = request.app.ctx.settings
    if claims is not None:
        bucket, limit = _caller_bucket(claims, settings)
    else:
        anonymous: Bucket = kind.anonymous_bucket or "ip"
        bucket, limit = f"{anonymous}:{client_ip(request)}", _limit(anonymous, settings)
    try:
        verdict = await services(request).guard.check(
            bucket,
            limit,
            claims.token_id if claims else None,
            str(claims.session_id) if claims else None,
            int(claims.issued_at.timestamp()) if claims and claims.issued_at else 0,
            claims.epoch if claims else None,
            # A person's role where they act: read with the rest when it is kept.
            (claims.acting_for, claims.user_id) if claims and claims.client_name is None else None,
        )
    except UNAVAILABLE_ERRORS:
        if claims is not None:
            raise  # the deny-list cannot be checked: refuse rather than trust the token
        logger.warning("rate limiting skipped: Redis unavailable")
    else:
        request.ctx.rate = verdict
        request.ctx.member_role = verdict.member_role
        if verdict.revoked:
            refusal = NotAuthenticated("access token has been revoked")
        if not verdict.allowed:
            raise Throttled("too many requests; slow down", verdict.retry_after_seconds)
    if kind.needs_token:
        if refusal is not None:
            raise refusal
        if claims is None:
            raise NotAuthenticated("send an access token as 'Authorization: Bearer <token>'")
        request.ctx.caller = claims
        if claims.client_name is not None:
            _check_scope(claims, route_scope(request.route))


def _caller_bucket(claims: AccessClaims, settings: Settings) -> tuple[str, int]:
    if claims.client_name is not None:
        limit = claims.rate_limit or settings.rate_limit_client_per_minute
        return f"client:{claims.user_id}", limit
    return f"user:{claims.user_id}", settings.rate_limit_user_per_minute


def _check_scope(claims: AccessClaims, scope: str | None) -> None:
    if scope is None:
        raise NotPermitted(
            "machine clients cannot call this route: it is for people",
            target_type="client",
            target_id=str(claims.user_id),
        )
    if scope not in claims.scopes:
        raise NotPermitted(
            f"this client's token lacks the scope {scope}",
            target_type="client",
            target_id=str(claims.user_id),
        )


def _limit(bucket: Bucket, settings: Settings) -> int:
    if bucket == "auth":
        return settings.rate_limit_auth_per_minute
    if bucket == "public":
        return settings.rate_limit_public_per_minute
    if bucket == "token":
        return settings.rate_limit_token_per_minute
    return settings.rate_limit_anonymous_per_minute


def _verified_claims(request: Request) -> tuple[AccessClaims | None, DomainError | None]:
    token = bearer_token(request)
    if token is None:
        return None, None
    try:
        claims = services(request).tokens.verify(token)
    except DomainError as exc:
        return None, exc
    request.ctx.claims = claims
    log_context.user_id.set(str(claims.user_id))
    return claims, None


def rate_headers(verdict: Verdict) -> dict[str, str]:
    return {
        "RateLimit-Limit": str(verdict.limit),
        "RateLimit-Remaining": str(verdict.remaining),
        "RateLimit-Reset": str(verdict.reset_seconds),
    }
