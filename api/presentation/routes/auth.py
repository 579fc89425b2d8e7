from sanic import Blueprint, Request, empty, json
from sanic.response import HTTPResponse
from sanic_ext import openapi

from api.application.auth import TokenPair
from api.domain.users import Role
from api.presentation.context import services
from api.presentation.http import (
    current_actor,
    current_claims,
    parse_body,
    parse_id,
    request_context,
)
from api.presentation.openapi import SECURED, json_of, responses
from api.presentation.schemas.auth import (
    LoginIn,
    LogoutIn,
    PasswordChangeIn,
    RefreshIn,
    RegisterIn,
    SessionList,
    SessionOut,
    TokenOut,
    UserOut,
)
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


@bp.post("/password")
@openapi.definition(
    summary="Change the caller's password; every other session ends",
    secured=SECURED,
    body=json_of(PasswordChangeIn),
    response=[
        openapi.definitions.Response("changed", status=204),
        *responses((403, ErrorOut), (422, ErrorOut), (429, ErrorOut)),
    ],
)
async def change_password(request: Request) -> HTTPResponse:
    claims = current_claims(request)
    body = parse_body(request, PasswordChangeIn)
    await services(request).auth.change_password(
        claims, body.current_password, body.new_password, request_context(request)
    )
    return empty()


@bp.post("/logout")
@openapi.definition(
    summary="End a session: the refresh token's, else this access token's",
    secured=SECURED,
    body=json_of(LogoutIn),
    response=[openapi.definitions.Response("logged out", status=204)],
)
async def logout(request: Request) -> HTTPResponse:
    claims = current_claims(request)
    body = parse_body(request, LogoutIn) if request.body else LogoutIn()
    await services(request).auth.logout(claims, body.refresh_token, request_context(request))
    return empty()


@bp.post("/logout-all")
@openapi.definition(
    summary="End every session of the caller",
    secured=SECURED,
    response=[openapi.definitions.Response("logged out everywhere", status=204)],
)
async def logout_all(request: Request) -> HTTPResponse:
    await services(request).auth.logout_all(current_claims(request), request_context(request))
    return empty()


@bp.get("/sessions")
@openapi.definition(
    summary="The caller's live sessions",
    secured=SECURED,
    response=responses((200, SessionList)),
)
async def list_sessions(request: Request) -> HTTPResponse:
    claims = current_claims(request)
    sessions = await services(request).auth.sessions(claims)
    data = [
        SessionOut(**vars(s), current=s.id == claims.session_id).model_dump(mode="json")
        for s in sessions
    ]
    return json({"data": data})


@bp.delete("/sessions/<session_id:str>")
@openapi.definition(
    summary="End one of the caller's sessions",
    secured=SECURED,
    response=[openapi.definitions.Response("ended", status=204), *responses((404, ErrorOut))],
)
async def end_session(request: Request, session_id: str) -> HTTPResponse:
    claims = current_claims(request)
    await services(request).auth.end_session(
        claims, parse_id(session_id, "session"), request_context(request)
    )
    return empty()
