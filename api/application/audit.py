"""The security audit trail: reading it (auditors and admins), and recording refusals."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from api.application.pagination import Cursor, Page
from api.application.ports import AuditLog, AuditQuota, Clock
from api.domain.audit import AuditEntry, AuditEvent, AuditFilter, RequestContext
from api.domain.errors import NotPermitted
from api.domain.users import Actor


@dataclass
class AuditTrail:
    log: AuditLog
    quota: AuditQuota
    clock: Clock

    async def refused(
        self,
        action: str,
        actor_id: UUID | None,
        target: tuple[str | None, str | None],
        ctx: RequestContext,
        metadata: dict[str, Any],
    ) -> bool:
        """Record a refusal unless this client has caused too many such rows this minute
        (a flood of forged tokens must not become a flood of writes); True if recorded."""
        client = f"user:{actor_id}" if actor_id else f"ip:{ctx.ip}"
        if not await self.quota.allow(client):
            return False
        event = AuditEvent(action, actor_id, target[0], target[1], ctx, metadata)
        await self.log.record(event, self.clock.now())
        return True

    async def query(
        self, actor: Actor, filters: AuditFilter, cursor: str | None, limit: int
    ) -> Page[AuditEntry]:
        if not actor.role.reads_everything:
            raise NotPermitted("only auditors and admins read the audit log")
        after = Cursor.decode(cursor) if cursor else None
        rows = await self.log.page(filters, after, limit + 1)
        return Page.from_rows(list(rows), limit)
