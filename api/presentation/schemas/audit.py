from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.presentation.schemas.common import ResponseModel, UtcDatetime
from api.presentation.schemas.fields import CONTROL, DateTime, Uuid
from api.presentation.schemas.queries import PageQuery

AuditText = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=f"^[^{CONTROL}]+$")
]


class AuditQuery(PageQuery):
    """Filters of the audit trail."""

    actor_id: Annotated[Uuid | None, Field(description="Only what this user did.")] = None
    action: Annotated[AuditText | None, Field(description="Only this action.")] = None
    target_id: Annotated[AuditText | None, Field(description="Only entries about this target.")] = (
        None
    )
    organisation_id: Annotated[
        Uuid | None, Field(description="Only what was done for this organisation.")
    ] = None
    since: Annotated[
        DateTime | None,
        Field(alias="from", description="At or after this RFC 3339 timestamp."),
    ] = None
    until: Annotated[
        DateTime | None,
        Field(alias="to", description="At or before this RFC 3339 timestamp; not before `from`."),
    ] = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.since and self.until and self.since > self.until:
            raise ValueError("from is after to")
        return self


class AuditEntryOut(ResponseModel):
    """Who did what, when, from where."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                    "at": "2026-10-03T08:15:00Z",
                    "actor_id": "5d7e8f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
                    "action": "batch.created",
                    "target_type": "batch",
                    "target_id": "0b6c3f9e-2d4a-4a57-9a3e-3f1c2b7d8e90",
                    "ip": "203.0.113.7",
                    "user_agent": "curl/8.5.0",
                    "request_id": "4f9c2a",
                    "client_request_id": None,
                    "metadata": {"code": "AGB-7K3Q-9XD2-M4TN"},
                    "organisation_id": "5d7e8f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
                    "client_id": None,
                    "client_name": None,
                }
            ]
        },
    )

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
    # The organisation the actor acted for, and the machine client that acted, if one did.
    organisation_id: UUID | None = None
    client_id: UUID | None = None
    client_name: str | None = None


class AuditPage(BaseModel):
    """A page of audit entries, newest first."""

    data: list[AuditEntryOut]
    next_cursor: str | None
