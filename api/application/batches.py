"""Use cases for batches: create, read, list and move through the status machine."""

from dataclasses import dataclass
from uuid import UUID

from api.application.pagination import Cursor, Page
from api.application.ports import AuditLog, BatchRepository, Clock, Transactor
from api.domain.audit import AuditEvent, RequestContext
from api.domain.batch_codes import PREFIX, in_server_namespace, new_code
from api.domain.batches import Batch, BatchFilter, BatchStatus, NewBatch, can_change, can_read
from api.domain.errors import (
    Conflict,
    FieldIssue,
    Forbidden,
    Hidden,
    NotFound,
    ValidationFailed,
)
from api.domain.users import Actor, Role

CREATOR_ROLES = frozenset({Role.PRODUCER})
CODE_ATTEMPTS = 3


def _not_found(batch_id: UUID) -> NotFound:
    return NotFound(f"batch {batch_id} not found")


def ensure_can_read(actor: Actor, batch: Batch | None, batch_id: UUID) -> Batch:
    """A batch the caller may not see does not exist for them: 404, never 403."""
    if batch is None:
        raise _not_found(batch_id)
    if not can_read(actor, batch):
        raise Hidden(_not_found(batch_id).message, target_type="batch", target_id=str(batch_id))
    return batch


def ensure_can_change(actor: Actor, batch: Batch | None, batch_id: UUID) -> Batch:
    """One they can see but do not own is a 403."""
    batch = ensure_can_read(actor, batch, batch_id)
    if not can_change(actor, batch):
        raise Forbidden(
            "only the batch owner can change it", target_type="batch", target_id=str(batch_id)
        )
    return batch


@dataclass
class Batches:
    repo: BatchRepository
    audit: AuditLog
    tx: Transactor
    clock: Clock

    async def create(self, actor: Actor, new: NewBatch, ctx: RequestContext) -> Batch:
        if actor.role not in CREATOR_ROLES:
            raise Forbidden("only producers can register batches")
        if new.code is not None and in_server_namespace(new.code):
            raise ValidationFailed(
                "batch code is not acceptable",
                [FieldIssue("code", f"codes starting with {PREFIX} are made by the server")],
            )
        for attempt in range(CODE_ATTEMPTS):
            try:
                return await self._add(actor, new, new.code or new_code(), ctx)
            except Conflict:
                # A random code may, very rarely, be taken already: draw another.
                if new.code is not None or attempt == CODE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    async def _add(self, actor: Actor, new: NewBatch, code: str, ctx: RequestContext) -> Batch:
        now = self.clock.now()
        async with self.tx.atomic():
            batch = await self.repo.add(actor.id, new, code, now)
            await self.audit.record(
                AuditEvent("batch.created", actor.id, "batch", str(batch.id), ctx, {"code": code}),
                now,
            )
        return batch

    async def get(self, actor: Actor, batch_id: UUID) -> Batch:
        return ensure_can_read(actor, await self.repo.get(batch_id), batch_id)

    async def list(
        self, actor: Actor, filters: BatchFilter, cursor: str | None, limit: int
    ) -> Page[Batch]:
        if actor.role == Role.BUYER:
            return Page([], None)
        owner = None if actor.role.reads_everything else actor.id
        after = Cursor.decode(cursor) if cursor else None
        rows = await self.repo.page(owner, filters, after, limit + 1)
        return Page.from_rows(list(rows), limit)

    async def change_status(
        self,
        actor: Actor,
        batch_id: UUID,
        status: BatchStatus,
        note: str | None,
        ctx: RequestContext,
    ) -> Batch:
        now = self.clock.now()
        async with self.tx.atomic(serial_key=f"batch:{batch_id}"):
            current = ensure_can_change(actor, await self.repo.get_for_update(batch_id), batch_id)
            changed = current.transition_to(status, now)
            await self.repo.save_status(changed)
            metadata = {"from": current.status.value, "to": status.value}
            if note:
                metadata["note"] = note
            await self.audit.record(
                AuditEvent("batch.status_changed", actor.id, "batch", str(batch_id), ctx, metadata),
                now,
            )
        return changed
