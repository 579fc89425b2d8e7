from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse
from sanic_ext import openapi

from api.presentation.context import services

bp = Blueprint("jwks", url_prefix="/.well-known")


@bp.get("/jwks.json")
@openapi.summary("Public keys that verify this API's access tokens")
async def jwks(request: Request) -> HTTPResponse:
    return json(services(request).jwks, headers={"Cache-Control": "public, max-age=300"})
