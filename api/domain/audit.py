from dataclasses import dataclass, field
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class RequestContext:
    """Who is asking and from where: stamped on every audit entry."""

    request_id: str
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class AuditEvent:
    action: str
    actor_id: UUID | None
    target_type: str | None
    target_id: str | None
    context: RequestContext
    metadata: dict[str, Any] = field(default_factory=dict)
