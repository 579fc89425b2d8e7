from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.domain.users import Role
from api.presentation.schemas.auth import UserOut
from api.presentation.schemas.common import RequestModel
from api.presentation.schemas.fields import QueryBool
from api.presentation.schemas.queries import PageQuery


class UserQuery(PageQuery):
    """Filters of the account list."""

    role: Annotated[Role | None, Field(description="Only accounts with this role.")] = None
    active: Annotated[
        QueryBool | None, Field(description="Only active (`true`) or deactivated (`false`) ones.")
    ] = None


class RoleIn(RequestModel):
    """The account's new role."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"role": "auditor"}]})

    role: Literal["producer", "buyer", "auditor", "admin"]


class UserPage(BaseModel):
    """A page of accounts, newest first; pass `next_cursor` as `cursor` for the next one."""

    data: list[UserOut]
    next_cursor: str | None
