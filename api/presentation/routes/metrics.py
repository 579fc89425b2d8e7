import hmac
import ipaddress
from pathlib import Path

from sanic import Blueprint, Request, raw
from sanic.response import HTTPResponse

from api.domain.errors import NotFound
from api.infrastructure.metrics import exposition
from api.presentation.access import Access, access

bp = Blueprint("metrics")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def allowed(request: Request) -> bool:
    token = request.app.ctx.settings.metrics_token
    if token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.get_secret_value().encode()
        )
    # Without a token: only a scraper on this host, talking to us directly (not via nginx).
    if "x-forwarded-for" in request.headers or "forwarded" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.ip).is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
@access(Access.OPEN)  # checks a credential of its own: `allowed`
async def scrape(request: Request) -> HTTPResponse:
    directory: Path | None = request.app.ctx.metrics_dir
    if directory is None or not allowed(request):
        raise NotFound(f"no route for GET {request.path}")
    return raw(exposition(directory), content_type=CONTENT_TYPE)
