"""Organisations, their members and invitations (docs/API.md, "Organisations")."""

from sanic import Blueprint, Request, empty, json
from sanic.response import HTTPResponse

from api.domain.errors import NotPermitted
from api.domain.organisations import Activity, MemberRole, NewOrganisation
from api.presentation.access import Access
from api.presentation.context import services
from api.presentation.http import current_actor, parse_body, parse_id, request_context
from api.presentation.schemas.operations import Operation, Reply, error, operation
from api.presentation.schemas.organisations import (
    AcceptIn,
    InvitationIn,
    InvitationList,
    InvitationOut,
    MemberList,
    MemberOut,
    MemberRoleIn,
    MembershipList,
    MembershipOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    invitation_json,
    member_json,
    membership_json,
    organisation_json,
)

bp = Blueprint("organisations", url_prefix="/organisations")
invitations_bp = Blueprint("invitations", url_prefix="/invitations")

TAG = "organisations"
NOT_FOUND = error(404, "No such organisation among the caller's")
OWNERS_ONLY = error(403, "Only the organisation's owners may do this")


@bp.post("/")
@operation(
    Operation(
        id="organisations_create",
        summary="Make an organisation",
        description="A person makes a company account and becomes its owner.",
        tag=TAG,
        access=Access.BEARER,
        body=OrganisationIn,
        replies=(
            Reply(201, "The new organisation", OrganisationOut, headers=("Location",)),
            error(403, "Machine clients cannot make organisations"),
            error(409, "An organisation with this GLN exists"),
        ),
    )
)
async def create(request: Request) -> HTTPResponse:
    body = parse_body(request, OrganisationIn)
    new = NewOrganisation(
        body.name,
        body.country,
        frozenset(Activity(a) for a in body.activities),
        body.phone,
        body.gln,
    )
    org = await services(request).organisations.create(
        await current_actor(request), new, request_context(request)
    )
    location = f"{request.path.rstrip('/')}/{org.id}"
    return json(organisation_json(org), status=201, headers={"Location": location})


@bp.get("/")
@operation(
    Operation(
        id="organisations_mine",
        summary="The caller's organisations",
        description="Every organisation the caller is a member of, with their role in each.",
        tag=TAG,
        access=Access.BEARER,
        replies=(
            Reply(200, "The caller's organisations", MembershipList),
            error(403, "Machine clients belong to one organisation"),
        ),
    )
)
async def mine(request: Request) -> HTTPResponse:
    found = await services(request).organisations.mine(await current_actor(request))
    return json({"data": [membership_json(m) for m in found]})


@bp.get("/<organisation_id:str>")
@operation(
    Operation(
        id="organisations_get",
        summary="Read an organisation",
        description="One of the caller's organisations.",
        tag=TAG,
        access=Access.BEARER,
        path_ids=("organisation_id",),
        replies=(Reply(200, "The organisation", OrganisationOut), NOT_FOUND),
    )
)
async def get(request: Request, organisation_id: str) -> HTTPResponse:
    org = await services(request).organisations.get(
        await current_actor(request), parse_id(organisation_id, "organisation")
    )
    return json(organisation_json(org))


@bp.patch("/<organisation_id:str>")
@operation(
    Operation(
        id="organisations_update",
        summary="Change an organisation",
        description="Its name, country, phone, GLN or activities (owners).",
        tag=TAG,
        access=Access.BEARER,
        path_ids=("organisation_id",),
        body=OrganisationPatch,
        replies=(
            Reply(200, "The organisation as it is now", OrganisationOut),
            OWNERS_ONLY,
            NOT_FOUND,
            error(409, "An organisation with this GLN exists"),
        ),
    )
)
async def update(request: Request, organisation_id: str) -> HTTPResponse:
    body = parse_body(request, OrganisationPatch)
    changes: dict[str, object] = body.model_dump(exclude_unset=True)
    if "activities" in changes:
        activities = body.activities or []
        changes["activities"] = frozenset(Activity(a) for a in activities)
    org = await services(request).organisations.update(
        await current_actor(request),
        parse_id(organisation_id, "organisation"),
        changes,
        request_context(request),
    )
    return json(organisation_json(org))


@bp.get("/<organisation_id:str>/members")
@operation(
    Operation(
        id="organisations_members",
        summary="An organisation's members",
        description="The people in one of the caller's organisations, with their roles.",
        tag=TAG,
        access=Access.BEARER,
        path_ids=("organisation_id",),
        replies=(Reply(200, "The members", MemberList), NOT_FOUND),
    )
)
async def members(request: Request, organisation_id: str) -> HTTPResponse:
    found = await services(request).organisations.members(
        await current_actor(request), parse_id(organisation_id, "organisation")
    )
    return json({"data": [member_json(m) for m in found]})


@bp.put("/<organisation_id:str>/members/<user_id:str>")
@operation(
    Operation(
        id="organisations_change_member",
        summary="Change a member's role",
        description="Owners change members' roles; the last owner stays an owner (409).",
        tag=TAG,
        access=Access.BEARER,
        path_ids=("organisation_id", "user_id"),
        body=MemberRoleIn,
        replies=(
            Reply(200, "The member as they are now", MemberOut),
            OWNERS_ONLY,
            error(404, "No such organisation or member"),
            error(409, "It would leave the organisation without an owner"),
        ),
    )
)
async def change_member(request: Request, organisation_id: str, user_id: str) -> HTTPResponse:
    body = parse_body(request, MemberRoleIn)
    member = await services(request).organisations.change_member(
        await current_actor(request),
        parse_id(organisation_id, "organisation"),
        parse_id(user_id, "user"),
        MemberRole(body.role),
        request_context(request),
    )
    return json(member_json(member))


@bp.delete("/<organisation_id:str>/members/<user_id:str>")
@operation(
    Operation(
        id="organisations_remove_member",
        summary="Remove a member",
        description=(
            "Owners remove members, and any member may leave; the last owner cannot (409)."
            " A removed member's tokens stop acting for the organisation at once."
        ),
        tag=TAG,
        access=Access.BEARER,
        path_ids=("organisation_id", "user_id"),
        replies=(
            Reply(204, "Removed"),
            OWNERS_ONLY,
            error(404, "No such organisation or member"),
            error(409, "It would leave the organisation without an owner"),
        ),
    )
)
async def remove_member(request: Request, organisation_id: str, user_id: str) -> HTTPResponse:
    await services(request).organisations.remove_member(
        await current_actor(request),
        parse_id(organisation_id, "organisation"),
        parse_id(user_id, "user"),
        request_context(request),
    )
    return empty()


@bp.post("/<organisation_id:str>/invitations")
@operation(
    Operation(
        id="organisations_invite",
        summary="Invite a member",
        description=(
            "Owners invite a person by email. The answer carries the invitation's single-use"
            " `token` (shown once; mailed too when the server sends mail); the invitee accepts"
            " it logged in with that email, or when registering, within 7 days."
        ),
        tag=TAG,
        access=Access.BEARER,
        path_ids=("organisation_id",),
        body=InvitationIn,
        replies=(
            Reply(201, "The invitation, with its token", InvitationOut),
            OWNERS_ONLY,
            NOT_FOUND,
        ),
    )
)
async def invite(request: Request, organisation_id: str) -> HTTPResponse:
    body = parse_body(request, InvitationIn)
    found = services(request).organisations
    invitation, token, mailed = await found.invite(
        await current_actor(request),
        parse_id(organisation_id, "organisation"),
        body.email,
        MemberRole(body.role),
        request_context(request),
    )
    out = {**invitation_json(invitation, found.clock.now(), token), "mailed": mailed}
    return json(out, status=201)


@bp.get("/<organisation_id:str>/invitations")
@operation(
    Operation(
        id="organisations_invitations",
        summary="An organisation's invitations",
        description="Every invitation of the organisation, newest first, without tokens (owners).",
        tag=TAG,
        access=Access.BEARER,
        path_ids=("organisation_id",),
        replies=(Reply(200, "The invitations", InvitationList), OWNERS_ONLY, NOT_FOUND),
    )
)
async def invitations(request: Request, organisation_id: str) -> HTTPResponse:
    found = services(request).organisations
    listed = await found.invitations_of(
        await current_actor(request), parse_id(organisation_id, "organisation")
    )
    now = found.clock.now()
    return json({"data": [invitation_json(i, now) for i in listed]})


@bp.delete("/<organisation_id:str>/invitations/<invitation_id:str>")
@operation(
    Operation(
        id="organisations_revoke_invitation",
        summary="Revoke an invitation",
        description="A pending invitation can no longer be accepted (owners).",
        tag=TAG,
        access=Access.BEARER,
        path_ids=("organisation_id", "invitation_id"),
        replies=(Reply(204, "Revoked"), OWNERS_ONLY, error(404, "No such invitation")),
    )
)
async def revoke_invitation(
    request: Request, organisation_id: str, invitation_id: str
) -> HTTPResponse:
    await services(request).organisations.revoke_invitation(
        await current_actor(request),
        parse_id(organisation_id, "organisation"),
        parse_id(invitation_id, "invitation"),
        request_context(request),
    )
    return empty()


@invitations_bp.post("/accept")
@operation(
    Operation(
        id="invitations_accept",
        summary="Accept an invitation",
        description=(
            "The invited person joins the organisation with the invitation's role; the token"
            " works once, before it expires, for the email it was sent to (else 403)."
        ),
        tag=TAG,
        access=Access.BEARER,
        body=AcceptIn,
        replies=(
            Reply(200, "The organisation joined, and the role in it", MembershipOut),
            error(403, "The invitation is for another email address"),
            error(409, "The caller is a member already"),
            error(422, "The token is unknown, used, revoked or expired"),
        ),
    )
)
async def accept(request: Request) -> HTTPResponse:
    body = parse_body(request, AcceptIn)
    found = services(request)
    actor = await current_actor(request)
    if actor.is_client:
        raise NotPermitted("machine clients cannot join organisations")
    user = await found.auth.me(actor.id)
    membership = await found.organisations.accept(user, body.token, request_context(request))
    return json(membership_json(membership))
