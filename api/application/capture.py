"""EPCIS capture (docs/API.md, "EPCIS capture"; docs/standards.md, "Capture"): a trading
partner's system sends an EPCISDocument of events about lots its organisation holds; every event
is checked, then all are stored, and the shipping and receiving ones move the lot through
custody as our own routes do, or nothing is stored at all.
"""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from api.application.batches import Batches
from api.application.epcis import Captured as CapturedForm
from api.application.ports import (
    AuditLog,
    BatchRepository,
    CaptureRepository,
    Clock,
    EpcisRepository,
    Outbox,
    UnitOfWork,
)
from api.application.webhooks import report_capture
from api.domain.audit import AuditEvent, RequestContext
from api.domain.batches import Batch, BatchStatus, IllegalTransition
from api.domain.custody import parties
from api.domain.epcis.capture import Captured, CaptureJob, Step, problem, read_capture, refused
from api.domain.epcis.document import epcis_time
from api.domain.errors import (
    Conflict,
    DomainError,
    FieldIssue,
    MalformedInput,
    NotFound,
    NotPermitted,
    Unavailable,
)
from api.domain.users import Actor

ROLLBACK, PROCEED = "rollback", "proceed"
# One wording for a lot that does not exist and one of another organisation: a capture must
# not tell which lots others hold.
NOT_YOURS = "quantityList: no lot your organisation holds has this class"
# What each step needs of the capturing organisation in the lot's custody.
STEP_PARTY = {Step.SHIPPING: "owner", Step.RECEIVING: "recipient"}


@dataclass
class Captures:
    batches: BatchRepository
    custody: Batches
    epcis: EpcisRepository
    jobs: CaptureRepository
    audit: AuditLog
    unit_of_work: UnitOfWork
    clock: Clock
    schema: Mapping[str, Any]
    outbox: Outbox

    async def capture(
        self, actor: Actor, document: object, behaviour: str | None, ctx: RequestContext
    ) -> CaptureJob:
        """The finished job; a MalformedInput (400) naming each event that breaks a rule, the
        rule, and nothing stored, otherwise."""
        if not actor.operates:
            raise NotPermitted("viewers of an organisation cannot capture events")
        if (behaviour or ROLLBACK).strip().lower() != ROLLBACK:
            raise MalformedInput(
                "captures are all or nothing",
                [
                    FieldIssue(
                        "GS1-Capture-Error-Behaviour",
                        f"only {ROLLBACK} is supported; {PROCEED} is not",
                    )
                ],
            )
        # GS1's schema and reference hash read and hash every event: off the event loop.
        events = await asyncio.to_thread(read_capture, document, self.schema)
        now = self.clock.now()
        job = CaptureJob(
            uuid4(), actor.org, actor.id, actor.is_client, now, now,
            tuple(e.event_id for e in events),
        )  # fmt: skip
        recorded = {"recordTime": epcis_time(now)}
        async with self.unit_of_work.atomic():
            # Every event's lot first: a capture naming a lot not the organisation's moves none.
            # They are locked in one order (their ids'), so that two captures naming the same
            # lots in other orders wait for each other rather than deadlock.
            found = {c.lot.code: await self.batches.by_code(c.lot.code) for c in events}
            ids = sorted({b.id for b in found.values() if b is not None})
            locked = {i: await self.batches.get_for_update(i) for i in ids}
            lots = [
                self._lot(actor, c, locked.get(b.id) if (b := found[c.lot.code]) else None)
                for c in events
            ]
            if known := await self.epcis.known(list(job.event_ids)):
                raise refused(
                    [problem(c.index, c.event, "was captured before") for c in events
                     if c.event_id in known]
                )  # fmt: skip
            await self.jobs.add(job)
            for captured, batch in zip(events, lots, strict=True):
                form = CapturedForm({**captured.event, **recorded}, job.id)
                after = await self._apply(actor, batch, captured, form, ctx)
                await report_capture(self.outbox, after, form.event, job.id, now)
            await self.audit.record(
                AuditEvent(
                    "epcis.captured", actor.id, "epcis_capture", str(job.id), ctx,
                    {"events": len(events), "event_ids": list(job.event_ids)},
                ),
                now,
            )  # fmt: skip
        return job

    async def get(self, actor: Actor, capture_id: UUID) -> CaptureJob:
        job = await self.jobs.get(capture_id, actor.org)
        if job is None:
            raise NotFound("no capture of your organisation has this id")
        return job

    async def _apply(
        self,
        actor: Actor,
        batch: Batch,
        captured: Captured,
        form: CapturedForm,
        ctx: RequestContext,
    ) -> Batch:
        """The lot as the event left it."""
        try:
            if captured.step is Step.OBSERVATION:
                await self.epcis.add(batch.id, None, form.event, self.clock.now(), form.capture_id)
                return batch
            if captured.step is Step.SHIPPING:
                assert captured.destination is not None
                return await self.custody.move(
                    actor, batch.id, BatchStatus.IN_TRANSIT, None, ctx,
                    recipient=captured.destination.reference, captured=form,
                )  # fmt: skip
            return await self.custody.move(
                actor, batch.id, BatchStatus.DELIVERED, None, ctx, captured=form
            )
        except Unavailable:
            raise
        except Conflict as exc:
            if isinstance(exc, IllegalTransition):
                raise self._refusal(captured, exc) from exc
            # The same event captured by another request meanwhile: the unique eventID says so.
            raise
        except DomainError as exc:
            raise self._refusal(captured, exc) from exc

    @staticmethod
    def _refusal(captured: Captured, exc: DomainError) -> MalformedInput:
        """Custody's refusal of the event's move, as a refusal of the capture naming it."""
        why = "; ".join([exc.message, *(f"{d.field}: {d.issue}" for d in exc.details)])
        return refused([problem(captured.index, captured.event, f"custody refuses it: {why}")])

    @staticmethod
    def _lot(actor: Actor, captured: Captured, batch: Batch | None) -> Batch:
        """The lot the event names (`batch`, the lot with its code), if the capturing
        organisation holds the part in its custody the event needs: the owner ships, the
        recipient receives, either observes."""
        if batch is not None and captured.lot.gtin is not None and batch.gtin != captured.lot.gtin:
            batch = None
        mine = {p.value for p in parties(actor, batch)} if batch is not None else set()
        needed = STEP_PARTY.get(captured.step)
        if batch is None or not mine or (needed is not None and needed not in mine):
            if batch is not None and mine and needed is not None:
                rule = f"only the lot's {needed} captures a {captured.step} event"
                raise refused([problem(captured.index, captured.event, rule)])
            raise refused([problem(captured.index, captured.event, NOT_YOURS)])
        return batch
