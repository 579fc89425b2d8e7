from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse
from sanic_ext import openapi

from api.application.auth import TokenPair
from api.domain.users import Role
from api.presentation.context import services
from api.presentation.http import current_actor, parse_body, request_context
from api.presentation.openapi import SECURED, json_of, responses
from api.presentation.schemas.auth import LoginIn, RefreshIn, RegisterIn, TokenOut, UserOut
from api.presentation.schemas.common import ErrorOut

bp = Blueprint("auth", url_prefix="/auth")


def _tokens(pair: TokenPair) -> HTTPResponse:
    body = TokenOut(
        access_token=pair.access_token,
        expires_in=pair.expires_in,
        refresh_token=pair.refresh_token,
        refresh_expires_in=pair.refresh_expires_in,
    )
    return json(body.model_dump(mode="json"))


@bp.post("/register")
@openapi.definition(
    summary="Create an account (producer or buyer)",
    body=json_of(RegisterIn),
    response=responses(
        (201, UserOut),
        (409, ErrorOut),
    ),
)
async def register(request: Request) -> HTTPResponse:
    body = parse_body(request, RegisterIn)
    user = await services(request).auth.register(
        body.email, body.password, body.full_name, Role(body.role), request_context(request)
    )
    return json(UserOut.model_validate(user).model_dump(mode="json"), status=201)


@bp.post("/login")
@openapi.definition(
    summary="Exchange email and password for an access and a refresh token",
    body=json_of(LoginIn),
    response=responses(
        (200, TokenOut),
        (401, ErrorOut),
    ),
)
async def login(request: Request) -> HTTPResponse:
    body = parse_body(request, LoginIn)
    pair = await services(request).auth.login(body.email, body.password, request_context(request))
    return _tokens(pair)


@bp.post("/refresh")
@openapi.definition(
    summary="Rotate a refresh token into a new token pair",
    body=json_of(RefreshIn),
    response=responses(
        (200, TokenOut),
        (401, ErrorOut),
    ),
)
async def refresh(request: Request) -> HTTPResponse:
    body = parse_body(request, RefreshIn)
    pair = await services(request).auth.refresh(body.refresh_token, request_context(request))
    return _tokens(pair)


@bp.get("/me")
@openapi.definition(
    summary="The caller's account",
    secured=SECURED,
    response=responses((200, UserOut)),
)
async def me(request: Request) -> HTTPResponse:
    user = await services(request).auth.me(current_actor(request).id)
    return json(UserOut.model_validate(user).model_dump(mode="json"))
