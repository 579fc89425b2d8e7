"""Account administration (admins): list, deactivate, reactivate, change role."""

from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse
from sanic_ext import openapi

from api.application.ports import UserFilter
from api.domain.users import Role, User
from api.presentation.context import services
from api.presentation.http import (
    current_actor,
    parse_body,
    parse_id,
    parse_query,
    request_context,
)
from api.presentation.openapi import SECURED, json_of, query, responses
from api.presentation.schemas.auth import UserOut
from api.presentation.schemas.common import ErrorOut
from api.presentation.schemas.users import RoleIn, UserPage, UserQuery

bp = Blueprint("users", url_prefix="/users")
CHANGE_RESPONSES = responses((200, UserOut), (403, ErrorOut), (404, ErrorOut), (409, ErrorOut))


def _user(user: User) -> HTTPResponse:
    return json(UserOut.model_validate(user).model_dump(mode="json"))


@bp.get("/")
@openapi.definition(
    summary="Accounts, newest first (admins)",
    secured=SECURED,
    parameter=query(("limit", int), ("cursor", str), ("role", str), ("active", bool)),
    response=responses((200, UserPage), (403, ErrorOut)),
)
async def list_users(request: Request) -> HTTPResponse:
    actor = current_actor(request)
    q = parse_query(request, UserQuery)
    filters = UserFilter(q.role, q.active)
    page = await services(request).accounts.list(actor, filters, q.cursor, q.limit)
    data = [UserOut.model_validate(u).model_dump(mode="json") for u in page.items]
    return json({"data": data, "next_cursor": page.next_cursor})


@bp.post("/<user_id:str>/deactivate")
@openapi.definition(
    summary="Deactivate an account: its sessions and tokens stop working at once (admins)",
    secured=SECURED,
    response=CHANGE_RESPONSES,
)
async def deactivate(request: Request, user_id: str) -> HTTPResponse:
    actor, ctx = current_actor(request), request_context(request)
    user = await services(request).accounts.set_active(actor, parse_id(user_id, "user"), False, ctx)
    return _user(user)


@bp.post("/<user_id:str>/reactivate")
@openapi.definition(
    summary="Reactivate an account (admins)",
    secured=SECURED,
    response=CHANGE_RESPONSES,
)
async def reactivate(request: Request, user_id: str) -> HTTPResponse:
    actor, ctx = current_actor(request), request_context(request)
    user = await services(request).accounts.set_active(actor, parse_id(user_id, "user"), True, ctx)
    return _user(user)


@bp.put("/<user_id:str>/role")
@openapi.definition(
    summary="Change an account's role; its sessions end (admins)",
    secured=SECURED,
    body=json_of(RoleIn),
    response=CHANGE_RESPONSES,
)
async def change_role(request: Request, user_id: str) -> HTTPResponse:
    actor, ctx = current_actor(request), request_context(request)
    body = parse_body(request, RoleIn)
    user = await services(request).accounts.change_role(
        actor, parse_id(user_id, "user"), Role(body.role), ctx
    )
    return _user(user)
