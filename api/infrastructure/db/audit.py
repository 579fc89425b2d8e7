from datetime import datetime
from uuid import uuid4

from api.domain.audit import AuditEvent
from api.infrastructure.db.models import AuditLogRow


class TortoiseAuditLog:
    async def record(self, event: AuditEvent, at: datetime) -> None:
        await AuditLogRow.create(
            id=uuid4(),
            at=at,
            actor_id=event.actor_id,
            action=event.action,
            target_type=event.target_type,
            target_id=event.target_id,
            ip=event.context.ip,
            user_agent=(event.context.user_agent or "")[:512] or None,
            request_id=event.context.request_id,
            metadata=event.metadata,
        )
