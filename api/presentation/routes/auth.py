from functools import partial

from sanic import Blueprint, Request, empty, json
from sanic.response import HTTPResponse

from api.application.auth import TokenPair
from api.domain.users import Role
from api.presentation.access import Access
from api.presentation.context import services
from api.presentation.http import (
    current_claims,
    parse_body,
    parse_id,
    request_context,
)
from api.presentation.schemas.auth import (
    LoginIn,
    LogoutIn,
    MeOut,
    PasswordChangeIn,
    RefreshIn,
    RegisterIn,
    SessionList,
    SessionOut,
    TokenOut,
    UserOut,
)
from api.presentation.schemas.operations import Operation, Reply, error, operation
from api.presentation.schemas.organisations import SwitchIn, SwitchOut

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
@operation(
    Operation(
        id="auth_register",
        access=Access.SIGN_IN,
        summary="Create an account",
        description=(
            "A producer (the default) or buyer account. Passwords are 8 to 256 characters of"
            " any kind and not a common or breached password, even with digits and symbols at"
            " its ends, a season and a year, or a keyboard walk (422)."
        ),
        tag="auth",
        body=RegisterIn,
        replies=(
            Reply(201, "The new account", UserOut),
            error(409, "An account with this email, or one that reads the same, exists"),
            error(422, "The body breaks the schema, or the password is too common"),
        ),
    )
)
async def register(request: Request) -> HTTPResponse:
    body = parse_body(request, RegisterIn)
    found, ctx = services(request), request_context(request)
    join = None
    if token := body.invitation_token:
        # Refused before the password is hashed; checked again where the account is made.
        await found.organisations.check_invitation(token, body.email)
        join = partial(found.organisations.join, token=token, ctx=ctx, field="invitation_token")
    user = await found.auth.register(
        body.email,
        body.password,
        body.full_name,
        Role(body.role),
        ctx,
        body.organisation_name,
        join,
    )
    return json(UserOut.model_validate(user).model_dump(mode="json"), status=201)


@bp.post("/login")
@operation(
    Operation(
        id="auth_login",
        access=Access.SIGN_IN,
        summary="Log in",
        description=(
            "Exchange email and password for an access and a refresh token. Repeated failures"
            " are slowed down, then answered with 429 and `Retry-After`."
        ),
        tag="auth",
        body=LoginIn,
        replies=(
            Reply(200, "A new session's tokens", TokenOut),
            error(401, "Email or password is wrong"),
        ),
    )
)
async def login(request: Request) -> HTTPResponse:
    body = parse_body(request, LoginIn)
    pair = await services(request).auth.login(
        body.email, body.password, request_context(request), body.organisation_id
    )
    return _tokens(pair)


@bp.post("/switch")
@operation(
    Operation(
        id="auth_switch",
        access=Access.ACCOUNT,
        summary="Act for another organisation",
        description=(
            "An access token acting for another of the caller's organisations; the session's"
            " refresh token renews tokens for it from now on. Tokens already issued keep"
            " acting for the organisation they name."
        ),
        tag="auth",
        body=SwitchIn,
        replies=(
            Reply(200, "An access token acting for the organisation", SwitchOut),
            error(403, "Machine clients act for their own organisation only"),
            error(404, "No such organisation among the caller's"),
        ),
    )
)
async def switch(request: Request) -> HTTPResponse:
    body = parse_body(request, SwitchIn)
    token, ttl = await services(request).auth.switch(
        current_claims(request), body.organisation_id, request_context(request)
    )
    out = SwitchOut(access_token=token, expires_in=ttl, organisation_id=body.organisation_id)
    return json(out.model_dump(mode="json"))


@bp.post("/refresh")
@operation(
    Operation(
        id="auth_refresh",
        access=Access.SIGN_IN,
        summary="Refresh the tokens",
        description=(
            "Rotate a refresh token into a new token pair. Reusing a spent refresh token ends"
            " the session."
        ),
        tag="auth",
        body=RefreshIn,
        replies=(
            Reply(200, "The session's new tokens", TokenOut),
            error(401, "The refresh token is unknown, spent, expired or revoked"),
        ),
    )
)
async def refresh(request: Request) -> HTTPResponse:
    body = parse_body(request, RefreshIn)
    pair = await services(request).auth.refresh(body.refresh_token, request_context(request))
    return _tokens(pair)


@bp.get("/me")
@operation(
    Operation(
        id="auth_me",
        summary="The caller's account",
        description="The account the access token belongs to.",
        tag="auth",
        access=Access.ACCOUNT,
        replies=(
            Reply(200, "The caller's account and the organisation the token acts for", MeOut),
            error(404, "The account no longer exists"),
        ),
    )
)
async def me(request: Request) -> HTTPResponse:
    claims = current_claims(request)
    user = await services(request).auth.me(claims.user_id)
    account = UserOut.model_validate(user).model_dump()
    out = MeOut.model_validate(account | {"organisation_id": claims.organisation_id or user.id})
    return json(out.model_dump(mode="json"))


@bp.post("/password")
@operation(
    Operation(
        id="auth_change_password",
        summary="Change the caller's password",
        description=(
            "Needs the current password; the new one follows the registration rules (422)."
            " Every other session of the caller ends; this one goes on. Repeated wrong current"
            " passwords are answered with 429 and `Retry-After`."
        ),
        tag="auth",
        access=Access.ACCOUNT,
        body=PasswordChangeIn,
        replies=(
            Reply(204, "The password has changed"),
            error(
                401, "Missing, invalid, expired or revoked access token, or a deactivated account"
            ),
            error(403, "The current password is wrong"),
            error(422, "The body breaks the schema, or the new password is not acceptable"),
        ),
    )
)
async def change_password(request: Request) -> HTTPResponse:
    claims = current_claims(request)
    body = parse_body(request, PasswordChangeIn)
    await services(request).auth.change_password(
        claims, body.current_password, body.new_password, request_context(request)
    )
    return empty()


@bp.post("/logout")
@operation(
    Operation(
        id="auth_logout",
        summary="Log out",
        description=(
            "End the session of the given refresh token, else the one this access token belongs"
            " to; the access token stops working at once. The body is optional."
        ),
        tag="auth",
        access=Access.ACCOUNT,
        body=LogoutIn,
        body_required=False,
        replies=(Reply(204, "The session has ended"),),
    )
)
async def logout(request: Request) -> HTTPResponse:
    claims = current_claims(request)
    body = parse_body(request, LogoutIn) if request.body else LogoutIn()
    await services(request).auth.logout(claims, body.refresh_token, request_context(request))
    return empty()


@bp.post("/logout-all")
@operation(
    Operation(
        id="auth_logout_all",
        summary="Log out everywhere",
        description="End every session of the caller.",
        tag="auth",
        access=Access.ACCOUNT,
        replies=(Reply(204, "Every session has ended"),),
    )
)
async def logout_all(request: Request) -> HTTPResponse:
    await services(request).auth.logout_all(current_claims(request), request_context(request))
    return empty()


@bp.get("/sessions")
@operation(
    Operation(
        id="sessions_list",
        summary="The caller's sessions",
        description="The caller's live sessions, the current one marked (not paginated).",
        tag="auth",
        access=Access.ACCOUNT,
        replies=(Reply(200, "The live sessions", SessionList),),
    )
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
@operation(
    Operation(
        id="sessions_end",
        summary="End a session",
        description="End one of the caller's sessions.",
        tag="auth",
        access=Access.ACCOUNT,
        path_ids=("session_id",),
        replies=(
            Reply(204, "The session has ended"),
            error(404, "The caller has no such session"),
        ),
    )
)
async def end_session(request: Request, session_id: str) -> HTTPResponse:
    claims = current_claims(request)
    await services(request).auth.end_session(
        claims, parse_id(session_id, "session"), request_context(request)
    )
    return empty()
