"""Account administration: list users, deactivate and reactivate them, change their role.

Admins only; every change is audited and ends the account's sessions at once (their access
tokens carry the old role, or belong to an account that may no longer act). The last active
admin can be neither deactivated nor demoted, so that nobody locks the platform out.
"""

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from api.application.pagination import Cursor, Page
from api.application.ports import (
    AuditLog,
    Clock,
    RefreshTokenRepository,
    Revocations,
    UnitOfWork,
    UserFilter,
    UserRepository,
)
from api.domain.audit import AuditEvent, RequestContext
from api.domain.errors import Conflict, NotFound, NotPermitted
from api.domain.users import Actor, Role, User

LAST_ADMIN = "this is the last active admin: make another admin first"


@dataclass
class Accounts:
    users: UserRepository
    refresh_tokens: RefreshTokenRepository
    revocations: Revocations
    audit: AuditLog
    unit_of_work: UnitOfWork
    clock: Clock
    access_ttl: timedelta

    async def list(
        self, actor: Actor, filters: UserFilter, cursor: str | None, limit: int
    ) -> Page[User]:
        _admin_only(actor)
        after = Cursor.decode(cursor) if cursor else None
        rows = await self.users.page(filters, after, limit + 1)
        return Page.from_rows(list(rows), limit)

    async def set_active(
        self, actor: Actor, user_id: UUID, active: bool, ctx: RequestContext
    ) -> User:
        _admin_only(actor)
        action = "admin.user.reactivated" if active else "admin.user.deactivated"
        return await self._change(actor, user_id, ctx, action, active=active)

    async def change_role(
        self, actor: Actor, user_id: UUID, role: Role, ctx: RequestContext
    ) -> User:
        _admin_only(actor)
        return await self._change(actor, user_id, ctx, "admin.user.role_changed", role=role)

    async def _change(
        self,
        actor: Actor,
        user_id: UUID,
        ctx: RequestContext,
        action: str,
        active: bool | None = None,
        role: Role | None = None,
    ) -> User:
        now = self.clock.now()
        async with self.unit_of_work.atomic():
            # Locking every active admin makes two admins demoting each other take turns.
            admins = await self.users.active_admins_for_update()
            user = await self.users.by_id(user_id)
            if user is None:
                raise NotFound(f"user {user_id} not found")
            loses_admin = active is False or (role is not None and role != Role.ADMIN)
            if loses_admin and admins == [user.id]:
                raise Conflict(LAST_ADMIN)
            changed = await self.users.update(
                user.id,
                now,
                is_active=user.is_active if active is None else active,
                role=user.role if role is None else role,
            )
            metadata: dict[str, object] = {}
            if role is not None:
                metadata = {"from": user.role.value, "to": role.value}
            event = AuditEvent(action, actor.id, "user", str(user.id), ctx, metadata)
            await self.audit.record(event, now)
            families = await self.refresh_tokens.revoke_all(user.id, now)
        ttl = int(self.access_ttl.total_seconds())
        await self.revocations.revoke_sessions([str(f) for f in families], ttl)
        return changed


def _admin_only(actor: Actor) -> None:
    if actor.role != Role.ADMIN:
        raise NotPermitted("only admins manage accounts", target_type="user")
