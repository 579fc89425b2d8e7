from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class RequestContext:
    """Who is asking and from where: stamped on every audit entry."""

    request_id: str  # always the server's own
    ip: str | None = None
    user_agent: str | None = None
    client_request_id: str | None = None  # what the client sent as X-Request-ID
    # The organisation the caller acts for, and the machine client when one calls.
    organisation_id: UUID | None = None
    client_id: UUID | None = None
    client_name: str | None = None


@dataclass(frozen=True)
class AuditEvent:
    action: str
    actor_id: UUID | None
    target_type: str | None
    target_id: str | None
    context: RequestContext
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditEntry:
    id: UUID
    at: datetime
    actor_id: UUID | None
    action: str
    target_type: str | None
    target_id: str | None
    ip: str | None
    user_agent: str | None
    request_id: str
    metadata: dict[str, Any]
    client_request_id: str | None = None
    organisation_id: UUID | None = None
    client_id: UUID | None = None
    client_name: str | None = None

    @property
    def created_at(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class AuditFilter:
    actor_id: UUID | None = None
    action: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    organisation_id: UUID | None = None
