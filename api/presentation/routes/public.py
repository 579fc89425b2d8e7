"""Public verification by batch code: no token, no personal data, cacheable, limited per address."""

import io
from typing import Any
from urllib.parse import quote

import orjson
import segno
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, html
from sanic_ext import openapi

from api.domain.errors import DomainError, NotFound
from api.presentation import verify_page
from api.presentation.cacheable import cacheable
from api.presentation.context import services
from api.presentation.openapi import responses
from api.presentation.schemas.common import ErrorOut
from api.presentation.schemas.public import PublicBatchOut, public_json

bp = Blueprint("public", url_prefix="/public/batches")
page_bp = Blueprint("verify_page", url_prefix="/verify")

API_PATH = "/api/v1/public/batches/"


def _media(kind: str, status: int = 200) -> Any:
    return openapi.definitions.Response({kind: {"type": "string"}}, status=status)


def _verify_url(request: Request, code: str) -> str:
    base = request.app.ctx.settings.public_base_url.rstrip("/")
    return f"{base}/verify/{quote(code, safe='')}"


def _max_age(request: Request) -> int:
    seconds: int = request.app.ctx.settings.public_cache_seconds
    return seconds


async def _view(request: Request, code: str) -> dict[str, Any]:
    found = await services(request).public.by_code(code)
    return public_json(found, _verify_url(request, code))


@bp.get("/<code:str>")
@openapi.definition(
    summary="What anyone holding the product may see, with the verification of its history",
    description="No token. Cacheable (ETag, Cache-Control); rate-limited per client address; "
    "404 for any code that names no batch.",
    response=responses((200, PublicBatchOut), (404, ErrorOut), (429, ErrorOut)),
)
@openapi.response(304, description="not modified (If-None-Match matched the ETag)")
async def public_batch(request: Request, code: str) -> HTTPResponse:
    body = orjson.dumps(await _view(request, code))
    return cacheable(request, body, "application/json", _max_age(request))


def _embeddable(response: HTTPResponse) -> HTTPResponse:
    # Labels and shop pages elsewhere may show the code as an image.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


async def _qr(request: Request, code: str) -> segno.QRCode:
    if not await services(request).public.exists(code):
        raise NotFound("no batch has this code")
    return segno.make_qr(_verify_url(request, code), error="m")


@bp.get("/<code:str>/qr.svg")
@openapi.definition(
    summary="A QR code (SVG) of the batch's public page URL",
    response=[_media("image/svg+xml"), *responses((404, ErrorOut))],
)
async def qr_svg(request: Request, code: str) -> HTTPResponse:
    out = io.BytesIO()
    (await _qr(request, code)).save(out, kind="svg", scale=4, border=4, xmldecl=False)
    return _embeddable(cacheable(request, out.getvalue(), "image/svg+xml", _max_age(request)))


@bp.get("/<code:str>/qr.png")
@openapi.definition(
    summary="A QR code (PNG) of the batch's public page URL",
    response=[_media("image/png"), *responses((404, ErrorOut))],
)
async def qr_png(request: Request, code: str) -> HTTPResponse:
    out = io.BytesIO()
    (await _qr(request, code)).save(out, kind="png", scale=8, border=4)
    return _embeddable(cacheable(request, out.getvalue(), "image/png", _max_age(request)))


@page_bp.get("/<code:str>")
@openapi.definition(
    summary="HTML page for a person who scanned the batch's QR code (no script, no outside asset)",
    response=[_media("text/html"), _media("text/html", 404)],
)
async def verify(request: Request, code: str) -> HTTPResponse:
    try:
        view = await _view(request, code)
    except DomainError as exc:
        if exc.code != "not_found":
            raise
        headers = {"Content-Security-Policy": verify_page.CSP}
        return html(verify_page.render_unknown(), status=404, headers=headers)
    page = verify_page.render(view, API_PATH + quote(code, safe="")).encode()
    response = cacheable(request, page, "text/html; charset=utf-8", _max_age(request))
    response.headers["Content-Security-Policy"] = verify_page.CSP
    return response
