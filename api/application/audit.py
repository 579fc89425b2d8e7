"""Reading the security audit trail: auditors and admins only."""

from dataclasses import dataclass

from api.application.pagination import Cursor, Page
from api.application.ports import AuditLog
from api.domain.audit import AuditEntry, AuditFilter
from api.domain.errors import Forbidden
from api.domain.users import Actor


@dataclass
class AuditTrail:
    log: AuditLog

    async def query(
        self, actor: Actor, filters: AuditFilter, cursor: str | None, limit: int
    ) -> Page[AuditEntry]:
        if not actor.role.reads_everything:
            raise Forbidden("only auditors and admins read the audit log")
        after = Cursor.decode(cursor) if cursor else None
        rows = await self.log.page(filters, after, limit + 1)
        return Page.from_rows(list(rows), limit)
