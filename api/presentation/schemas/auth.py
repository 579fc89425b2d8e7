from typing import Annotated, Literal
from uuid import UUID

from pydantic import ConfigDict, Field, StringConstraints

from api.domain.users import Role
from api.presentation.schemas.common import RequestModel, ResponseModel, UtcDatetime
from api.presentation.schemas.fields import CONTROL, Email, Opaque, Text200, Uuid

# Passwords are kept as typed: spaces are characters (NIST SP 800-63B), never trimmed. Any
# characters but NUL (docs/API.md); a new password's length is counted after NFKC, so the
# schema's bounds are the typed ones and common or context words are a 422.
NewPassword = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=8, max_length=256),
]
# An existing password may predate today's rules: anything up to 1024 characters.
Password = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=1, max_length=1024),
]
LoginEmail = Annotated[
    str, StringConstraints(min_length=1, max_length=320, pattern=f"^[^{CONTROL}]+$")
]


class RegisterIn(RequestModel):
    """A new account; auditors and admins are made by an operator command instead."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "ana@example.com",
                    "password": "correct horse battery",
                    "full_name": "Ana",
                }
            ]
        }
    )

    email: Email
    password: NewPassword
    full_name: Text200
    role: Literal["producer", "buyer"] = "producer"
    organisation_name: Text200 | None = Field(
        default=None,
        description="The name of the person's own organisation (their full name if left out).",
    )
    invitation_token: Opaque | None = Field(
        default=None,
        description="An invitation sent to this email: the new account joins its organisation.",
    )


class LoginIn(RequestModel):
    """An account's email (any case) and password."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"email": "ana@example.com", "password": "correct horse battery"}]
        }
    )

    email: LoginEmail
    password: Password
    organisation_id: Uuid | None = Field(
        default=None,
        description="The organisation to act for (one of the person's); their own if left out.",
    )


class PasswordChangeIn(RequestModel):
    """The caller's current password and the one to replace it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "current_password": "correct horse battery",
                    "new_password": "staple orbit lantern",
                }
            ]
        }
    )

    current_password: Password
    new_password: NewPassword


class RefreshIn(RequestModel):
    """The refresh token from the last token response."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"refresh_token": "p4Xq...Zk"}]})

    refresh_token: Opaque


class LogoutIn(RequestModel):
    """Optionally, the refresh token of the session to end."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"refresh_token": "p4Xq...Zk"}]})

    refresh_token: Opaque | None = None


class UserOut(ResponseModel):
    """An account."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5d7e8f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
                    "email": "ana@example.com",
                    "full_name": "Ana",
                    "role": "producer",
                    "is_active": True,
                    "created_at": "2026-10-01T12:00:00Z",
                }
            ]
        }
    )

    id: UUID
    email: str
    full_name: str
    role: Role
    is_active: bool
    created_at: UtcDatetime


class MeOut(UserOut):
    """The caller's account, and the organisation their access token acts for."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5d7e8f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
                    "email": "ana@example.com",
                    "full_name": "Ana",
                    "role": "producer",
                    "is_active": True,
                    "created_at": "2026-10-01T12:00:00Z",
                    "organisation_id": "5d7e8f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
                }
            ]
        }
    )

    organisation_id: UUID


class TokenOut(ResponseModel):
    """An access token and the refresh token that renews it (RFC 6749's names)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJSUzI1NiIs...",
                    "token_type": "Bearer",
                    "expires_in": 900,
                    "refresh_token": "p4Xq...Zk",
                    "refresh_expires_in": 604800,
                }
            ]
        }
    )

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme's name, not a secret
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


class SessionOut(ResponseModel):
    """A session: one login and the refresh tokens that descend from it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
                    "created_at": "2026-10-01T12:00:00Z",
                    "last_used_at": "2026-10-01T12:30:00Z",
                    "expires_at": "2026-10-31T12:00:00Z",
                    "user_agent": "curl/8.5.0",
                    "ip": "203.0.113.7",
                    "current": True,
                }
            ]
        }
    )

    id: UUID
    created_at: UtcDatetime
    last_used_at: UtcDatetime
    expires_at: UtcDatetime
    user_agent: str | None
    ip: str | None
    current: bool


class SessionList(ResponseModel):
    """The caller's live sessions (not paginated)."""

    data: list[SessionOut]
