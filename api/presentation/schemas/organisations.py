"""Organisations, members and invitations on the wire."""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from api.domain.gs1 import gln_problem
from api.domain.organisations import Invitation, Member, Membership, Organisation
from api.presentation.schemas.batches import Country
from api.presentation.schemas.common import RequestModel, ResponseModel, UtcDatetime, rfc3339
from api.presentation.schemas.fields import Email, Opaque, Text200, Uuid


def _gln(value: str) -> str:
    if problem := gln_problem(value):
        raise ValueError(problem)
    return value


Gln = Annotated[
    str,
    StringConstraints(pattern="^[0-9]{13}$"),
    AfterValidator(_gln),
    Field(description="A GS1 Global Location Number: 13 digits, the last a check digit."),
]
Phone = Annotated[
    str,
    StringConstraints(min_length=3, max_length=32, pattern="^\\+?[0-9][0-9 ()./-]{1,30}$"),
    Field(description="A telephone number, international form preferred (+33 1 23 45 67 89)."),
]
ActivityName = Literal["producer", "buyer"]
Activities = Annotated[
    list[ActivityName],
    Field(
        min_length=1, max_length=2, description="What it does: produces lots, buys them, or both."
    ),
]
MemberRoleName = Literal["owner", "manager", "viewer"]

EXAMPLE_ID = "7a1c9e2b-3d4f-4a5b-8c6d-9e0f1a2b3c4d"


class OrganisationIn(RequestModel):
    """A new organisation; its maker becomes its owner."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Empacadora del Valle",
                    "country": "MX",
                    "phone": "+52 443 123 4567",
                    "gln": "7501234000017",
                    "activities": ["buyer"],
                }
            ]
        }
    )

    name: Text200
    country: Country
    phone: Phone | None = None
    gln: Gln | None = None
    activities: Activities


NEVER_NULL = ("name", "country", "activities")


class OrganisationPatch(RequestModel):
    """The fields to change; those left out stay as they are, and `phone` or `gln` sent as null
    is removed."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"phone": "+52 443 765 4321"}]})

    name: Text200 | None = None
    country: Country | None = None
    phone: Phone | None = None
    gln: Gln | None = None
    activities: Activities | None = None

    @field_validator(*NEVER_NULL, mode="before")
    @classmethod
    def _given(cls, value: object) -> object:
        # An organisation always has these: they may be left out, not emptied.
        if value is None:
            raise ValueError("may be left out, but not null")
        return value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # The document says what the validator does: these fields are never null.
        schema = handler.resolve_ref_schema(handler(core_schema))
        for name in NEVER_NULL:
            field = schema["properties"][name]
            kinds = [k for k in field.pop("anyOf") if k != {"type": "null"}]
            field.update(kinds[0])
            field.pop("default", None)
        return schema


class OrganisationOut(ResponseModel):
    """A company of the supply chain."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": EXAMPLE_ID,
                    "name": "Empacadora del Valle",
                    "country": "MX",
                    "phone": "+52 443 123 4567",
                    "gln": "7501234000017",
                    "activities": ["buyer"],
                    "created_at": "2026-10-01T12:00:00Z",
                    "updated_at": "2026-10-01T12:00:00Z",
                }
            ]
        }
    )

    id: UUID
    name: str
    country: str | None
    phone: str | None
    gln: str | None
    activities: list[ActivityName]
    created_at: UtcDatetime
    updated_at: UtcDatetime


MEMBERSHIP_EXAMPLE: dict[str, Any] = {
    "organisation": {
        "id": EXAMPLE_ID,
        "name": "Empacadora del Valle",
        "country": "MX",
        "phone": None,
        "gln": None,
        "activities": ["buyer"],
        "created_at": "2026-10-01T12:00:00Z",
        "updated_at": "2026-10-01T12:00:00Z",
    },
    "role": "owner",
}


class MembershipOut(ResponseModel):
    """An organisation the caller belongs to, and their role in it."""

    model_config = ConfigDict(json_schema_extra={"examples": [MEMBERSHIP_EXAMPLE]})

    organisation: OrganisationOut
    role: MemberRoleName


class MembershipList(ResponseModel):
    """The caller's organisations, the one they joined first first."""

    data: list[MembershipOut]


class MemberOut(ResponseModel):
    """A person in the organisation."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "user_id": "5d7e8f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
                    "email": "ana@example.com",
                    "full_name": "Ana",
                    "role": "manager",
                    "joined_at": "2026-10-01T12:00:00Z",
                }
            ]
        }
    )

    user_id: UUID
    email: str
    full_name: str
    role: MemberRoleName
    joined_at: UtcDatetime


class MemberList(ResponseModel):
    """The organisation's members, in the order they joined."""

    data: list[MemberOut]


class MemberRoleIn(RequestModel):
    """The member's new role."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"role": "viewer"}]})

    role: MemberRoleName


class InvitationIn(RequestModel):
    """Who to invite, and as what."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "bo@example.com", "role": "manager"}]}
    )

    email: Email
    role: MemberRoleName


class InvitationOut(ResponseModel):
    """An invitation to join an organisation; `token` only in the answer that made it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a0b",
                    "organisation_id": EXAMPLE_ID,
                    "email": "bo@example.com",
                    "role": "manager",
                    "state": "pending",
                    "created_at": "2026-10-01T12:00:00Z",
                    "expires_at": "2026-10-08T12:00:00Z",
                    "token": "x3Fq...Qk",
                    "mailed": True,
                }
            ]
        }
    )

    id: UUID
    organisation_id: UUID
    email: str
    role: MemberRoleName
    state: Literal["pending", "accepted", "revoked", "expired"]
    created_at: UtcDatetime
    expires_at: UtcDatetime
    token: str | None = Field(
        default=None, description="The single-use token to hand to the invitee: shown once."
    )
    mailed: bool | None = Field(
        default=None, description="Whether the token was also mailed to the invitee (on creation)."
    )


class InvitationList(ResponseModel):
    """The organisation's invitations, newest first."""

    data: list[InvitationOut]


class AcceptIn(RequestModel):
    """An invitation's token."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"token": "x3Fq...Qk"}]})

    token: Opaque


class SwitchIn(RequestModel):
    """The organisation to act for: one the caller is a member of."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"organisation_id": EXAMPLE_ID}]})

    organisation_id: Uuid


class SwitchOut(ResponseModel):
    """An access token acting for the organisation; the session's refresh token now renews
    tokens that act for it too."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJSUzI1NiIs...",
                    "token_type": "Bearer",
                    "expires_in": 900,
                    "organisation_id": EXAMPLE_ID,
                }
            ]
        }
    )

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme's name
    expires_in: int
    organisation_id: UUID


def organisation_json(org: Organisation) -> dict[str, object]:
    return {
        "id": str(org.id),
        "name": org.name,
        "country": org.country,
        "phone": org.phone,
        "gln": org.gln,
        "activities": sorted(a.value for a in org.activities),
        "created_at": rfc3339(org.created_at),
        "updated_at": rfc3339(org.updated_at),
    }


def membership_json(membership: Membership) -> dict[str, object]:
    return {"organisation": organisation_json(membership.organisation), "role": membership.role}


def member_json(member: Member) -> dict[str, object]:
    return {
        "user_id": str(member.user_id),
        "email": member.email,
        "full_name": member.full_name,
        "role": member.role.value,
        "joined_at": rfc3339(member.created_at),
    }


def invitation_json(
    invitation: Invitation, now: datetime, token: str | None = None
) -> dict[str, object]:
    found: dict[str, object] = {
        "id": str(invitation.id),
        "organisation_id": str(invitation.organisation_id),
        "email": invitation.email,
        "role": invitation.role.value,
        "state": invitation.state(now),
        "created_at": rfc3339(invitation.created_at),
        "expires_at": rfc3339(invitation.expires_at),
    }
    if token is not None:
        found["token"] = token
    return found
