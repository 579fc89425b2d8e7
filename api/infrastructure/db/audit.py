import json
from collections.abc import Sequence
from datetime import datetime
from uuid import uuid4

from tortoise import connections
from tortoise.expressions import Q

from api.application.pagination import Cursor
from api.domain.audit import AuditEntry, AuditEvent, AuditFilter
from api.infrastructure.db.models import AuditLogRow
from api.infrastructure.metrics import timed

INSERT = (
    "INSERT INTO audit_logs (id, at, actor_id, action, target_type, target_id, ip, user_agent,"
    " request_id, client_request_id, metadata, organisation_id, client_id, client_name)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14)"
)


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
        client_request_id=row.client_request_id,
        organisation_id=row.organisation_id,
        client_id=row.client_id,
        client_name=row.client_name,
    )


class PgAuditLog:
    @timed("db", "audit.record")
    async def record(self, event: AuditEvent, at: datetime) -> None:
        # Written on every change: one plain statement rather than a model instance.
        await connections.get("default").execute_query(
            INSERT,
            [
                uuid4(),
                at,
                event.actor_id,
                event.action,
                event.target_type,
                (event.target_id or "")[:64] or None,
                event.context.ip,
                (event.context.user_agent or "")[:512] or None,
                event.context.request_id[:128],
                event.context.client_request_id,
                json.dumps(event.metadata, default=str),
                event.context.organisation_id,
                event.context.client_id,
                event.context.client_name,
            ],
        )

    @timed("db", "audit.page")
    async def page(
        self, filters: AuditFilter, after: Cursor | None, limit: int
    ) -> Sequence[AuditEntry]:
        query = AuditLogRow.all()
        if filters.actor_id is not None:
            query = query.filter(actor_id=filters.actor_id)
        if filters.organisation_id is not None:
            query = query.filter(organisation_id=filters.organisation_id)
        if filters.action is not None:
            query = query.filter(action=filters.action)
        if filters.target_id is not None:
            query = query.filter(target_id=filters.target_id)
        if filters.since is not None:
            query = query.filter(at__gte=filters.since)
        if filters.until is not None:
            query = query.filter(at__lte=filters.until)
        if after is not None:
            # (at, id) < cursor, with `at <= cursor` spelled out: the index walk starts at the
            # cursor instead of filtering every newer row (a deep page costs what the first does).
            query = query.filter(at__lte=after.created_at).filter(
                Q(at__lt=after.created_at) | Q(id__lt=after.id)
            )
        rows = await query.order_by("-at", "-id").limit(limit)
        return [_to_entry(row) for row in rows]
