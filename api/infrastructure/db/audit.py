from collections.abc import Sequence
from datetime import datetime
from uuid import uuid4

from tortoise.expressions import Q

from api.application.pagination import Cursor
from api.domain.audit import AuditEntry, AuditEvent, AuditFilter
from api.infrastructure.db.models import AuditLogRow
from api.infrastructure.metrics import timed


def _to_entry(row: AuditLogRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor_id=row.actor_id,
        action=row.action,
        target_type=row.target_type,
        target_id=row.target_id,
        ip=row.ip,
        user_agent=row.user_agent,
        request_id=row.request_id,
        metadata=dict(row.metadata),
    )


class TortoiseAuditLog:
    @timed("db", "audit.record")
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

    @timed("db", "audit.page")
    async def page(
        self, filters: AuditFilter, after: Cursor | None, limit: int
    ) -> Sequence[AuditEntry]:
        query = AuditLogRow.all()
        if filters.actor_id is not None:
            query = query.filter(actor_id=filters.actor_id)
        if filters.action is not None:
            query = query.filter(action=filters.action)
        if filters.target_id is not None:
            query = query.filter(target_id=filters.target_id)
        if filters.since is not None:
            query = query.filter(at__gte=filters.since)
        if filters.until is not None:
            query = query.filter(at__lte=filters.until)
        if after is not None:
            query = query.filter(
                Q(at__lt=after.created_at) | Q(at=after.created_at, id__lt=after.id)
            )
        rows = await query.order_by("-at", "-id").limit(limit)
        return [_to_entry(row) for row in rows]
