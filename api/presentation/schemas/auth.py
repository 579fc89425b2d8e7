from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from api.domain.users import Role
from api.presentation.schemas.common import RequestModel, ResponseModel, Text, UtcDatetime

Email = Annotated[
    str,
    StringConstraints(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]


# Passwords are kept as typed: spaces are characters (NIST SP 800-63B), never trimmed.
Password = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=1024)]


class RegisterIn(RequestModel):
    email: Email
    password: Password
    full_name: Text
    role: Literal["producer", "buyer"] = "producer"


class LoginIn(RequestModel):
    email: Annotated[str, Field(min_length=1, max_length=320)]
    password: Password


class PasswordChangeIn(RequestModel):
    current_password: Password
    new_password: Password


class RefreshIn(RequestModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=512)]


class LogoutIn(RequestModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=512)] | None = None


class UserOut(ResponseModel):
    id: UUID
    email: str
    full_name: str
    role: Role
    is_active: bool
    created_at: UtcDatetime


class TokenOut(ResponseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme's name, not a secret
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


class SessionOut(ResponseModel):
    id: UUID
    created_at: UtcDatetime
    last_used_at: UtcDatetime
    expires_at: UtcDatetime
    user_agent: str | None
    ip: str | None
    current: bool


class SessionList(ResponseModel):
    data: list[SessionOut]
