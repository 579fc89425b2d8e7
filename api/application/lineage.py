"""Use cases for lots and sub-lots: splitting a batch, and reading its family."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from api.application.batches_access import ensure_can_read
from api.application.epcis import Freezer
from api.application.events import append
from api.application.ports import (
    AuditLog,
    BatchRepository,
    Clock,
    EventRepository,
    LineageRepository,
    Outbox,
    UnitOfWork,
)
from api.application.webhooks import report
from api.domain import history
from api.domain.audit import AuditEvent, RequestContext
from api.domain.batch_codes import PREFIX, in_server_namespace, new_code
from api.domain.batches import Batch, BatchStatus, NewBatch, SplitKind
from api.domain.custody import EventType, authorize_split
from api.domain.errors import Conflict, FieldIssue, ValidationFailed
from api.domain.events import link
from api.domain.lineage import Lineage
from api.domain.users import Actor

CODE_ATTEMPTS = 3


@dataclass(frozen=True)
class Part:
    quantity: Decimal
    code: str | None = None


@dataclass
class Lots:
    repo: BatchRepository
    lineage: LineageRepository
    events: EventRepository
    audit: AuditLog
    unit_of_work: UnitOfWork
    clock: Clock
    # Each event's EPCIS form, frozen in the transaction that appends it.
    epcis: Freezer
    # Partners' webhooks: written in the same transaction.
    outbox: Outbox

    async def split(
        self,
        actor: Actor,
        batch_id: UUID,
        parts: list[Part],
        ctx: RequestContext,
        kind: SplitKind = SplitKind.DIVIDE,
    ) -> tuple[Batch, list[Batch]]:
        """Divide (or repack) the batch into sub-lots held by the caller; their quantities must
        add up to the batch's exactly, in its unit."""
        for index, part in enumerate(parts):
            if part.code is not None and in_server_namespace(part.code):
                raise ValidationFailed(
                    "batch code is not acceptable",
                    [
                        FieldIssue(
                            f"parts[{index}].code",
                            f"codes starting with {PREFIX} are made by the server",
                        )
                    ],
                )
        for attempt in range(CODE_ATTEMPTS):
            try:
                return await self._split(actor, batch_id, parts, ctx, kind)
            except Conflict:
                # A random code may, very rarely, be taken already: draw others.
                if all(part.code for part in parts) or attempt == CODE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    async def _split(
        self,
        actor: Actor,
        batch_id: UUID,
        parts: list[Part],
        ctx: RequestContext,
        kind: SplitKind,
    ) -> tuple[Batch, list[Batch]]:
        now = self.clock.now()
        async with self.unit_of_work.atomic(serial_key=f"batch:{batch_id}"):
            parent = ensure_can_read(actor, await self.repo.get_for_update(batch_id), batch_id)
            authorize_split(actor, parent)
            total = sum((part.quantity for part in parts), Decimal(0))
            if total != parent.quantity:
                unit = parent.unit.value
                raise ValidationFailed(
                    "the parts' quantities must add up to the batch's",
                    [
                        FieldIssue(
                            "parts",
                            f"they add up to {total:.3f} {unit}; the batch holds "
                            f"{parent.quantity:.3f} {unit}",
                        )
                    ],
                )
            children = [await self._child(actor, parent, part, now, kind) for part in parts]
            changed = parent.transition_to(BatchStatus.SPLIT, now)
            await self.repo.save_status(changed)
            data = history.split(children, kind)
            event = await append(self.events, parent.id, EventType.SPLIT, actor, data, now)
            await self.epcis.freeze(changed, event)
            await report(self.outbox, changed, event)
            await self.audit.record(
                AuditEvent(
                    "batch.split",
                    actor.id,
                    "batch",
                    str(parent.id),
                    ctx,
                    {"children": [str(child.id) for child in children], "kind": kind.value},
                ),
                now,
            )
        return changed, children

    async def _child(
        self, actor: Actor, parent: Batch, part: Part, now: datetime, kind: SplitKind
    ) -> Batch:
        new = NewBatch(
            product=parent.product,
            origin=parent.origin,
            origin_location_id=parent.origin_location_id,
            harvest_date=parent.harvest_date,
            quantity=part.quantity,
            unit=parent.unit,
            variety=parent.variety,
            farm_public=parent.farm_public,
            # A part of a public lot is public from the start (a buyer's packs of a pallet).
            publish=parent.is_public,
            gtin=parent.gtin,
            split_kind=kind,
        )
        code = part.code or new_code()
        child = await self.repo.add(actor.org, new, code, now, parent.id, actor.id)
        data = history.created(child, parent_code=parent.code)
        event = link(child.id, None, EventType.CREATED, now, actor.role.value, data)
        await self.events.add([event], actor)
        # None: the split that makes it is its registration in EPCIS.
        await self.epcis.freeze(child, event)
        return child

    async def family(self, actor: Actor, batch_id: UUID) -> Lineage:
        batch = ensure_can_read(actor, await self.repo.get(batch_id), batch_id)
        return Lineage(
            batch,
            await self.lineage.ancestors(batch_id),
            await self.lineage.descendants(batch_id),
        )
