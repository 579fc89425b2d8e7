"""Public verification by public code: no token, no personal data, cacheable, limited per address;
only for lots their holders made public (docs/security.md, "When a lot becomes public")."""

import io
from urllib.parse import quote, urlsplit

import orjson
import segno
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, html

from api.application.public import PublicBatch
from api.domain.epcis.identifiers import AI10, GS1_HOST, digital_link
from api.domain.errors import NotFound
from api.presentation import verify_page
from api.presentation.access import Access, access
from api.presentation.cacheable import cacheable
from api.presentation.context import services
from api.presentation.public_views import versioned
from api.presentation.schemas.epcis import PublicEpcisOut, public_event_json
from api.presentation.schemas.operations import (
    IF_NONE_MATCH,
    Operation,
    PathParam,
    Reply,
    error,
    operation,
)
from api.presentation.schemas.public import PublicBatchOut, public_json

bp = Blueprint("public", url_prefix="/public/batches")
page_bp = Blueprint("verify_page", url_prefix="/verify")

API_PATH = "/api/v1/public/batches/"


CODE = PathParam(
    "code",
    "The batch's `public_code`, as its QR code carries it (a server-made code is its own; a"
    " client's code has a random suffix). Any text that names no public batch is a 404.",
    {"type": "string", "minLength": 1},
)
CACHED = ("ETag",)
NOT_MODIFIED = Reply(304, "The copy the client holds is current (`If-None-Match`)", None, CACHED)
UNKNOWN = error(404, "No public batch has this code")


# What changes with the lot's chain is revalidated on every use; a QR code never changes.
REVALIDATED = "`Cache-Control: public, no-cache`: kept, revalidated by its `ETag` on every use"
FOR_A_WHILE = "`Cache-Control: public, max-age=<AGROBRIDGE_PUBLIC_CACHE_SECONDS>`"


def _public(
    op_id: str, summary: str, description: str, body: Reply, caching: str = REVALIDATED
) -> Operation:
    return Operation(
        id=op_id,
        summary=summary,
        description=description + " No token; cacheable (" + caching + "); rate-limited per"
        " client address.",
        tag="public",
        access=Access.PUBLIC,
        path_params=(CODE,),
        header_params=(IF_NONE_MATCH,),
        replies=(body, NOT_MODIFIED, UNKNOWN),
    )


def _verify_url(request: Request, code: str) -> str:
    base = request.app.ctx.settings.public_base_url.rstrip("/")
    return f"{base}/verify/{quote(code, safe='')}"


def _max_age(request: Request) -> int:
    seconds: int = request.app.ctx.settings.public_cache_seconds
    return seconds


@bp.get("/<code:str>")
@operation(
    _public(
        "public_batch",
        "A batch's public record",
        "What anyone holding the product may see: no personal data, the farm only when its"
        " producer chose so, the timeline and transactions, and the chain's verification.",
        Reply(200, "The batch's public record", PublicBatchOut, CACHED),
    )
)
async def public_batch(request: Request, code: str) -> HTTPResponse:
    def render(found: PublicBatch) -> bytes:
        return orjson.dumps(public_json(found, _verify_url(request, code)))

    return await versioned(request, code, "json", "application/json", render)


@bp.get("/<code:str>/epcis")
@operation(
    _public(
        "public_epcis",
        "A public batch's EPCIS events, reduced",
        "Of each GS1 EPCIS 2.0 event of the batch (its own, and the split that made it), what"
        " anyone may see: its `eventID`, time, CBV business step and disposition, and the"
        " `eventID` of the lot's event before it; never the event itself, whose parties, sites"
        " and salt are for those who may see the batch (GET /batches/{id}/epcis).",
        Reply(200, "The batch's EPCIS events, reduced", PublicEpcisOut, CACHED),
    )
)
async def public_epcis(request: Request, code: str) -> HTTPResponse:
    events = await services(request).epcis.of_public_lot(code)
    body = {"public_code": code, "data": [public_event_json(e) for e in events]}
    return cacheable(request, orjson.dumps(body), "application/json", None)


def _embeddable(response: HTTPResponse) -> HTTPResponse:
    # Labels and shop pages elsewhere may show the code as an image.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def label_url(base_url: str, public_code: str, gtin: str | None) -> str:
    """What a lot's QR code holds: its GS1 Digital Link on our public host when its product has
    a GTIN and its public code fits GS1's lot field (AI 10), else its verification page."""
    base = base_url.rstrip("/")
    if gtin is not None and AI10.fullmatch(public_code):
        return base + urlsplit(digital_link(GS1_HOST, gtin, public_code)).path
    return f"{base}/verify/{quote(public_code, safe='')}"


async def _qr(request: Request, code: str) -> segno.QRCode:
    batch = await services(request).public.published(code)
    base = request.app.ctx.settings.public_base_url
    return segno.make_qr(label_url(base, batch.public_code, batch.gtin), error="m")


@bp.get("/<code:str>/qr.svg")
@operation(
    _public(
        "public_qr_svg",
        "The batch's QR code (SVG)",
        "A QR code for labels, of the lot's GS1 Digital Link (`/01/<GTIN-14>/10/<public code>`)"
        " when its product has a GTIN, else of its public page URL; any site may embed it.",
        Reply(200, "The QR code", None, CACHED, media="image/svg+xml", schema={"type": "string"}),
        FOR_A_WHILE,
    )
)
async def qr_svg(request: Request, code: str) -> HTTPResponse:
    out = io.BytesIO()
    (await _qr(request, code)).save(out, kind="svg", scale=4, border=4, xmldecl=False)
    return _embeddable(cacheable(request, out.getvalue(), "image/svg+xml", _max_age(request)))


@bp.get("/<code:str>/qr.png")
@operation(
    _public(
        "public_qr_png",
        "The batch's QR code (PNG)",
        "A QR code for labels, of the lot's GS1 Digital Link (`/01/<GTIN-14>/10/<public code>`)"
        " when its product has a GTIN, else of its public page URL; any site may embed it.",
        Reply(
            200,
            "The QR code",
            None,
            CACHED,
            media="image/png",
            schema={"type": "string", "format": "binary", "contentMediaType": "image/png"},
        ),
        FOR_A_WHILE,
    )
)
async def qr_png(request: Request, code: str) -> HTTPResponse:
    out = io.BytesIO()
    (await _qr(request, code)).save(out, kind="png", scale=8, border=4)
    return _embeddable(cacheable(request, out.getvalue(), "image/png", _max_age(request)))


# The HTML page for a person who scanned the QR code (no script, no outside asset): not part
# of the API document, whose `public_batch` serves the same data (docs/API.md).
@page_bp.get("/<code:str>")
@access(Access.PUBLIC)
async def verify(request: Request, code: str) -> HTTPResponse:
    def render(found: PublicBatch) -> bytes:
        view = public_json(found, _verify_url(request, code))
        return verify_page.render(view, API_PATH + quote(code, safe="")).encode()

    try:
        response = await versioned(request, code, "html", "text/html; charset=utf-8", render)
    except NotFound:
        headers = {"Content-Security-Policy": verify_page.CSP}
        return html(verify_page.render_unknown(), status=404, headers=headers)
    response.headers["Content-Security-Policy"] = verify_page.CSP
    return response
