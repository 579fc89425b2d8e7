from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from api.presentation.schemas.common import ResponseModel, UtcDatetime
from api.presentation.schemas.queries import PageQuery


class AuditQuery(PageQuery):
    actor_id: UUID | None = None
    action: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    target_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    since: Annotated[AwareDatetime | None, Field(alias="from")] = None
    until: Annotated[AwareDatetime | None, Field(alias="to")] = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.since and self.until and self.since > self.until:
            raise ValueError("from is after to")
        return self


class AuditEntryOut(ResponseModel):
    id: UUID
    at: UtcDatetime
    actor_id: UUID | None
    action: str
    target_type: str | None
    target_id: str | None
    ip: str | None
    user_agent: str | None
    request_id: str
    client_request_id: str | None
    metadata: dict[str, Any]


class AuditPage(BaseModel):
    data: list[AuditEntryOut]
    next_cursor: str | None
