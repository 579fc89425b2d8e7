"""Before every non-public request: who is calling, are they over their rate, is the token
revoked. One Redis round trip answers both; the handlers then read the outcome from ctx."""

from loguru import logger
from sanic import Request

from api.application.ports import AccessClaims
from api.domain.errors import DomainError, InvalidToken, RateLimited, Unauthorized
from api.infrastructure import log_context
from api.infrastructure.cache.guard import Verdict
from api.infrastructure.faults import UNAVAILABLE_ERRORS
from api.presentation.client_address import client_ip
from api.presentation.context import services
from api.presentation.refusals import record_rejected_token

# Public, cheap and needed while Redis is down (health) or by other services (JWKS).
UNGUARDED_PREFIXES = ("/api/v1/health", "/docs", "/.well-known/")
AUTH_PREFIX = "/api/v1/auth/"
# Anyone holding a product reads these by its code: limited per address, tokens ignored.
PUBLIC_PREFIXES = ("/api/v1/public/", "/verify/")


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def guard_request(request: Request) -> None:
    if request.path.startswith(UNGUARDED_PREFIXES) or request.method == "OPTIONS":
        return
    request.ctx.guarded = True
    settings = request.app.ctx.settings
    public = request.path.startswith(PUBLIC_PREFIXES)
    claims = None if public else _verified_claims(request)
    error = getattr(request.ctx, "claims_error", None)
    if isinstance(error, InvalidToken):
        await record_rejected_token(request, error)
    if public:
        bucket, limit = f"public:{client_ip(request)}", settings.rate_limit_public_per_minute
    elif claims is not None:
        bucket, limit = f"user:{claims.user_id}", settings.rate_limit_user_per_minute
    elif request.path.startswith(AUTH_PREFIX):
        bucket, limit = f"auth:{client_ip(request)}", settings.rate_limit_auth_per_minute
    else:
        bucket, limit = f"ip:{client_ip(request)}", settings.rate_limit_anonymous_per_minute
    try:
        verdict = await services(request).guard.check(
            bucket,
            limit,
            claims.token_id if claims else None,
            str(claims.session_id) if claims else None,
            int(claims.issued_at.timestamp()) if claims and claims.issued_at else 0,
        )
    except UNAVAILABLE_ERRORS:
        if claims is not None:
            raise  # the deny-list cannot be checked: refuse rather than trust the token
        logger.warning("rate limiting skipped: Redis unavailable")
        return
    request.ctx.rate = verdict
    if verdict.revoked:
        request.ctx.claims_error = Unauthorized("access token has been revoked")
    if not verdict.allowed:
        raise RateLimited("too many requests; slow down", verdict.retry_after_seconds)


def _verified_claims(request: Request) -> AccessClaims | None:
    token = bearer_token(request)
    if token is None:
        return None
    try:
        claims = services(request).tokens.verify(token)
    except DomainError as exc:
        request.ctx.claims_error = exc
        return None
    request.ctx.claims = claims
    log_context.user_id.set(str(claims.user_id))
    return claims


def rate_headers(verdict: Verdict) -> dict[str, str]:
    return {
        "RateLimit-Limit": str(verdict.limit),
        "RateLimit-Remaining": str(verdict.remaining),
        "RateLimit-Reset": str(verdict.reset_seconds),
    }
