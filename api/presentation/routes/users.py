"""Account administration (admins): list, deactivate, reactivate, change role."""

from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse

from api.application.ports import UserFilter
from api.domain.users import Role, User
from api.presentation.access import Access
from api.presentation.context import services
from api.presentation.http import (
    current_actor,
    parse_body,
    parse_id,
    parse_query,
    request_context,
)
from api.presentation.schemas.auth import UserOut
from api.presentation.schemas.operations import Operation, Reply, error, operation
from api.presentation.schemas.users import RoleIn, UserPage, UserQuery

bp = Blueprint("users", url_prefix="/users")


def _change(
    op_id: str, summary: str, description: str, body: type[RoleIn] | None = None
) -> Operation:
    return Operation(
        id=op_id,
        summary=summary,
        description=description,
        tag="users",
        access=Access.BEARER,
        path_ids=("user_id",),
        body=body,
        replies=(
            Reply(200, "The account as it is now", UserOut),
            error(403, "Only admins manage accounts"),
            error(404, "No such account"),
            error(409, "It would leave no active admin"),
        ),
    )


def _user(user: User) -> HTTPResponse:
    return json(UserOut.model_validate(user).model_dump(mode="json"))


@bp.get("/")
@operation(
    Operation(
        id="users_list",
        summary="List accounts",
        description="Every account, newest first, optionally by role or by active state (admins).",
        tag="users",
        access=Access.BEARER,
        query=UserQuery,
        replies=(
            Reply(200, "A page of accounts", UserPage),
            error(403, "Only admins manage accounts"),
        ),
    )
)
async def list_users(request: Request) -> HTTPResponse:
    actor = await current_actor(request)
    q = parse_query(request, UserQuery)
    filters = UserFilter(q.role, q.active)
    page = await services(request).accounts.list(actor, filters, q.cursor, q.limit)
    data = [UserOut.model_validate(u).model_dump(mode="json") for u in page.items]
    return json({"data": data, "next_cursor": page.next_cursor})


@bp.post("/<user_id:str>/deactivate")
@operation(
    _change(
        "users_deactivate",
        "Deactivate an account",
        "Its sessions and tokens stop working at once; it cannot log in until reactivated"
        " (admins).",
    )
)
async def deactivate(request: Request, user_id: str) -> HTTPResponse:
    actor, ctx = await current_actor(request), request_context(request)
    user = await services(request).accounts.set_active(actor, parse_id(user_id, "user"), False, ctx)
    return _user(user)


@bp.post("/<user_id:str>/reactivate")
@operation(_change("users_reactivate", "Reactivate an account", "It may log in again (admins)."))
async def reactivate(request: Request, user_id: str) -> HTTPResponse:
    actor, ctx = await current_actor(request), request_context(request)
    user = await services(request).accounts.set_active(actor, parse_id(user_id, "user"), True, ctx)
    return _user(user)


@bp.put("/<user_id:str>/role")
@operation(
    _change(
        "users_change_role",
        "Change an account's role",
        "The account's sessions end, so that its next tokens carry the new role (admins).",
        body=RoleIn,
    )
)
async def change_role(request: Request, user_id: str) -> HTTPResponse:
    actor, ctx = await current_actor(request), request_context(request)
    body = parse_body(request, RoleIn)
    user = await services(request).accounts.change_role(
        actor, parse_id(user_id, "user"), Role(body.role), ctx
    )
    return _user(user)
