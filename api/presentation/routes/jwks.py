from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse

from api.presentation.access import Access
from api.presentation.context import services
from api.presentation.schemas.health import JwksOut
from api.presentation.schemas.operations import Operation, Reply, operation

bp = Blueprint("jwks", url_prefix="/.well-known")


@bp.get("/jwks.json")
@operation(
    Operation(
        id="keys_jwks",
        summary="Token verification keys",
        description="Every public key that still verifies this API's access tokens (a JWKS).",
        tag="keys",
        replies=(Reply(200, "The key set", JwksOut),),
        access=Access.UNGUARDED,
    )
)
async def jwks(request: Request) -> HTTPResponse:
    return json(services(request).jwks, headers={"Cache-Control": "public, max-age=300"})
