from typing import Literal

from pydantic import BaseModel

from api.domain.users import Role
from api.presentation.schemas.auth import UserOut
from api.presentation.schemas.common import RequestModel
from api.presentation.schemas.queries import PageQuery


class UserQuery(PageQuery):
    role: Role | None = None
    active: bool | None = None


class RoleIn(RequestModel):
    role: Literal["producer", "buyer", "auditor", "admin"]


class UserPage(BaseModel):
    data: list[UserOut]
    next_cursor: str | None
