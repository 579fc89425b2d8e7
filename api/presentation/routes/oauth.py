"""The OAuth 2.0 token endpoint for machine clients (RFC 6749 section 4.4): a form in, a token
out, and RFC 6749's error codes in our error shape (docs/API.md, "Machine clients")."""

import base64
import binascii
from urllib.parse import parse_qsl, unquote_plus

import orjson
from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse

from api.application.client_tokens import BAD_CLIENT, TokenRequest
from api.domain.errors import InvalidClient, InvalidRequest
from api.presentation.access import Access
from api.presentation.context import services
from api.presentation.http import request_context
from api.presentation.schemas.clients import ClientTokenOut, TokenRequestIn
from api.presentation.schemas.operations import Operation, Reply, error, operation
from api.settings import Settings

bp = Blueprint("oauth", url_prefix="/auth")

TOKEN_PATH = "/api/v1/auth/token"  # noqa: S105 - a path, not a secret
FORM = "application/x-www-form-urlencoded"
MAX_FIELDS = 20


@bp.post("/token")
@operation(
    Operation(
        id="auth_token",
        summary="A machine client's access token",
        description=(
            "OAuth 2.0 client credentials grant (RFC 6749 section 4.4) for machine clients,"
            " authenticated with HTTP Basic (client_secret_basic) or an RFC 7523 client"
            " assertion (private_key_jwt); never with a secret in the body. Errors carry RFC"
            " 6749's codes: `invalid_client` (401), `invalid_request`, `invalid_scope`,"
            " `unsupported_grant_type` (400). The same parameters are accepted as a JSON object"
            " too."
        ),
        tag="clients",
        access=Access.CLIENT_CREDENTIALS,
        body=TokenRequestIn,
        form=True,
        security=({"clientSecretBasic": []}, {}),
        replies=(
            Reply(200, "An access token limited to the granted scopes", ClientTokenOut),
            error(400, "A malformed request, an unsupported grant type or an invalid scope"),
            error(401, "Client authentication failed (unknown, revoked or wrong credentials)"),
        ),
    )
)
async def token(request: Request) -> HTTPResponse:
    settings: Settings = request.app.ctx.settings
    issued = await services(request).client_tokens.grant(
        token_request(request, settings), request_context(request)
    )
    out = ClientTokenOut(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        scope=" ".join(sorted(issued.scopes)),
    )
    return json(out.model_dump(mode="json"), headers={"Cache-Control": "no-store"})


def token_request(request: Request, settings: Settings) -> TokenRequest:
    params = _parameters(request)
    # An assertion may name the token endpoint at its public address or as this request did.
    audiences = (settings.public_base_url.rstrip("/") + TOKEN_PATH, request.url.split("?")[0])
    return TokenRequest(
        grant_type=params.get("grant_type"),
        scope=params.get("scope"),
        basic=_basic_credentials(request),
        client_id=params.get("client_id"),
        client_assertion_type=params.get("client_assertion_type"),
        client_assertion=params.get("client_assertion"),
        client_secret=params.get("client_secret"),
        audiences=audiences,
    )


def _parameters(request: Request) -> dict[str, str]:
    """The request's parameters, from a form or JSON; those without a value count as absent
    and none may be given twice (RFC 6749 section 3.1)."""
    mime = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    body = request.body or b""
    try:
        if mime == FORM:
            pairs = parse_qsl(
                body.decode(), keep_blank_values=True, errors="strict",
                max_num_fields=MAX_FIELDS,
            )  # fmt: skip
        elif mime == "application/json" or mime.endswith("+json"):
            pairs = _json_pairs(body)
        else:
            raise InvalidRequest(f"send the token request as {FORM}")
    except (UnicodeDecodeError, ValueError, orjson.JSONDecodeError):
        raise InvalidRequest("the token request's body is malformed") from None
    names = [name for name, _ in pairs]
    if repeated := sorted({name for name in names if names.count(name) > 1}):
        raise InvalidRequest(f"{', '.join(repeated)}: given more than once")
    return {name: value for name, value in pairs if value}


def _json_pairs(body: bytes) -> list[tuple[str, str]]:
    found = orjson.loads(body) if body else {}
    if not isinstance(found, dict) or len(found) > MAX_FIELDS:
        raise InvalidRequest("the token request's body must be a JSON object of strings")
    if not all(isinstance(value, str | None) for value in found.values()):
        raise InvalidRequest("the token request's parameters must be strings")
    return [(name, value or "") for name, value in found.items()]


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """HTTP Basic's client id and secret, each form-urlencoded (RFC 6749 section 2.3.1)."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidClient(BAD_CLIENT) from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise InvalidClient(BAD_CLIENT)
    return unquote_plus(client_id), unquote_plus(secret)
