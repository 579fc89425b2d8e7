"""Use cases for batches: create, read, list and move through the status machine."""

from dataclasses import dataclass, replace
from uuid import UUID

from api.application.batches_access import ensure_can_change, ensure_can_read, not_found
from api.application.epcis import Captured, Freezer
from api.application.events import append
from api.application.pagination import Cursor, Page
from api.application.ports import (
    AuditLog,
    BatchRepository,
    Clock,
    EventRepository,
    LocationRepository,
    OrganisationRepository,
    Outbox,
    UnitOfWork,
    UserRepository,
)
from api.application.webhooks import report
from api.domain import history
from api.domain.audit import AuditEvent, RequestContext
from api.domain.batch_codes import PREFIX, in_server_namespace, new_code
from api.domain.batches import Batch, BatchFilter, BatchStatus, NewBatch, Origin
from api.domain.custody import EventType, authorize_move
from api.domain.emails import lookup_email
from api.domain.epcis.identifiers import gtin14, gtin_problem
from api.domain.errors import Conflict, FieldIssue, NotPermitted, ValidationFailed
from api.domain.events import link
from api.domain.fsma.descriptions import ReferenceDocument
from api.domain.gs1 import GLN_DIGITS
from api.domain.locations import Location
from api.domain.organisations import Organisation
from api.domain.users import Actor

# Kept importable from here, where the other use cases have always found them.
__all__ = ["Batches", "ensure_can_change", "ensure_can_read", "not_found"]

CODE_ATTEMPTS = 3
OWNER, RECIPIENT = "the shipping organisation", "the recipient organisation"
NO_BUYER = "no buyer organisation has this id or GLN, and no member of one this email"


def _with_gtin14(new: NewBatch) -> NewBatch:
    """The product's GTIN checked, and named by its 14 digits as EPCIS names it."""
    if new.gtin is None:
        return new
    if problem := gtin_problem(new.gtin):
        raise ValidationFailed("the GTIN is not acceptable", [FieldIssue("gtin", problem)])
    return replace(new, gtin=gtin14(new.gtin))


@dataclass
class Batches:
    repo: BatchRepository
    audit: AuditLog
    unit_of_work: UnitOfWork
    clock: Clock
    events: EventRepository
    users: UserRepository
    organisations: OrganisationRepository
    locations: LocationRepository
    # Each event's EPCIS form, frozen in the transaction that appends it.
    epcis: Freezer
    # Partners' webhooks: written in the same transaction.
    outbox: Outbox

    async def create(self, actor: Actor, new: NewBatch, ctx: RequestContext) -> Batch:
        """A new lot; with an origin location, the origin left out is the location's."""
        organisation = await self.organisations.get(actor.org)
        if organisation is None or not organisation.produces:
            raise NotPermitted("only producer organisations register batches")
        if not actor.operates:
            raise NotPermitted("viewers of an organisation cannot register batches")
        if new.code is not None and in_server_namespace(new.code):
            raise ValidationFailed(
                "batch code is not acceptable",
                [FieldIssue("code", f"codes starting with {PREFIX} are made by the server")],
            )
        new = await self._with_origin(actor, _with_gtin14(new))
        for attempt in range(CODE_ATTEMPTS):
            try:
                return await self._add(actor, new, new.code or new_code(), ctx)
            except Conflict:
                # A random code may, very rarely, be taken already: draw another.
                if new.code is not None or attempt == CODE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    async def _with_origin(self, actor: Actor, new: NewBatch) -> NewBatch:
        """The origin as given, else the origin location's: its name as the farm, its region
        and country."""
        if new.origin_location_id is not None:
            place = await self._location(
                new.origin_location_id, actor.org, "origin_location_id", "your organisation"
            )
            if new.origin is None:
                return replace(new, origin=Origin(place.name, place.country, place.region))
        if new.origin is None:
            raise ValidationFailed(
                "say where the batch was grown",
                [FieldIssue("origin", "required without an origin_location_id")],
            )
        return new

    async def _add(self, actor: Actor, new: NewBatch, code: str, ctx: RequestContext) -> Batch:
        now = self.clock.now()
        async with self.unit_of_work.atomic():
            batch = await self.repo.add(actor.org, new, code, now, created_by=actor.id)
            event = link(
                batch.id, None, EventType.CREATED, now, actor.role.value, history.created(batch)
            )
            await self.events.add([event], actor)
            await self.epcis.freeze(batch, event)
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
        everything = actor.role.reads_everything and not actor.is_client
        owner = None if everything else actor.org
        after = Cursor.decode(cursor) if cursor else None
        # What the organisation owns, and what was shipped to it.
        rows = await self.repo.page(owner, filters, after, limit + 1, or_recipient=True)
        return Page.from_rows(list(rows), limit)

    async def change_status(
        self,
        actor: Actor,
        batch_id: UUID,
        status: BatchStatus,
        note: str | None,
        ctx: RequestContext,
        recipient: str | None = None,
        reason: str | None = None,
        ship_from: UUID | None = None,
        ship_to: UUID | None = None,
        reference: ReferenceDocument | None = None,
    ) -> Batch:
        """`recipient` (a buyer's email or id) when shipping, and optionally the locations
        the shipment leaves from (the owner's) and goes to (the buyer's) and the document it
        travels under; `reason` when rejecting."""
        async with self.unit_of_work.atomic(serial_key=f"batch:{batch_id}"):
            return await self.move(
                actor, batch_id, status, note, ctx, recipient, reason, ship_from, ship_to,
                reference,
            )  # fmt: skip

    async def move(
        self,
        actor: Actor,
        batch_id: UUID,
        status: BatchStatus,
        note: str | None,
        ctx: RequestContext,
        recipient: str | None = None,
        reason: str | None = None,
        ship_from: UUID | None = None,
        ship_to: UUID | None = None,
        reference: ReferenceDocument | None = None,
        captured: Captured | None = None,
    ) -> Batch:
        """`change_status` inside a transaction the caller holds (an EPCIS capture's, which
        moves several lots at once or none); `captured`, the trading partner's EPCIS event that
        made the move, is stored as the move's EPCIS form."""
        now = self.clock.now()
        current = ensure_can_read(actor, await self.repo.get_for_update(batch_id), batch_id)
        move = authorize_move(actor, current, status, recipient is not None, bool(reason))
        if (ship_from or ship_to or reference) and not move.needs_recipient:
            field = "ship_from_location_id" if ship_from else "ship_to_location_id"
            field = "reference_document" if reference else field
            raise ValidationFailed(
                "locations and documents are named only when shipping",
                [FieldIssue(field, "allowed only when the status is in_transit")],
            )
        buyer = await self._buyer(recipient) if recipient else None
        if ship_from:
            await self._location(ship_from, current.owner_id, "ship_from_location_id", OWNER)
        if ship_to and buyer:
            await self._location(ship_to, buyer.id, "ship_to_location_id", RECIPIENT)
        changed = current.transition_to(
            status, now, buyer.id if buyer else None, ship_from, ship_to
        )
        await self.repo.save_status(changed)
        data = history.status_changed(
            buyer.id if buyer else None, note, reason, ship_from, ship_to, reference
        )
        event = await append(self.events, batch_id, move.event, actor, data, now)
        await self.epcis.freeze(changed, event, captured)
        await report(self.outbox, changed, event)
        metadata = {"from": current.status.value, "to": status.value, **data}
        await self.audit.record(
            AuditEvent("batch.status_changed", actor.id, "batch", str(batch_id), ctx, metadata),
            now,
        )
        return changed

    async def publish(self, actor: Actor, batch_id: UUID, ctx: RequestContext) -> Batch:
        """Its owner makes a lot public before it ships (docs/security.md, "When a lot becomes
        public"); a lot once public stays so."""
        now = self.clock.now()
        async with self.unit_of_work.atomic(serial_key=f"batch:{batch_id}"):
            current = ensure_can_read(actor, await self.repo.get_for_update(batch_id), batch_id)
            if actor.org != current.owner_id or not actor.operates:
                raise NotPermitted(
                    "only the batch's owner can publish it",
                    target_type="batch",
                    target_id=str(batch_id),
                )
            if current.is_public:
                return current
            published = current.publish(now)
            await self.repo.save_status(published)
            await self.audit.record(
                AuditEvent(
                    "batch.published", actor.id, "batch", str(batch_id), ctx,
                    {"public_code": published.public_code},
                ),
                now,
            )  # fmt: skip
        return published

    async def _location(
        self, location_id: UUID, organisation_id: UUID, field: str, whose: str
    ) -> Location:
        """One of the organisation's active locations, else a 422 on `field` that says
        nothing of whose it is."""
        found = await self.locations.get(location_id)
        if found is None or not found.usable_by(organisation_id):
            raise ValidationFailed(
                "the location is not acceptable",
                [FieldIssue(field, f"not an active location of {whose}")],
            )
        return found

    async def _buyer(self, reference: str) -> Organisation:
        """The buyer organisation a shipment names: by its id or GLN, or by the email or id
        of a member (their own organisation when it buys, else their only buying one)."""
        reference = reference.strip()
        if GLN_DIGITS.fullmatch(reference):
            found = await self.organisations.by_gln(reference)
        else:
            found = await self._buyer_by_id_or_member(reference)
        if found is None or not found.buys:
            raise ValidationFailed(
                "the recipient must be a buyer organisation", [FieldIssue("recipient", NO_BUYER)]
            )
        return found

    async def _buyer_by_id_or_member(self, reference: str) -> Organisation | None:
        try:
            some_id = UUID(reference)
        except ValueError:
            user = await self.users.by_email(lookup_email(reference))
        else:
            user = await self.users.by_id(some_id)
            if user is None:
                return await self.organisations.get(some_id)
        if user is None or not user.is_active:
            return None
        buyers = await self.organisations.buyers_of(user.id)
        if len(buyers) > 1 and buyers[0].id != user.id:
            raise ValidationFailed(
                "this person buys for several organisations; name one",
                [FieldIssue("recipient", "name the buyer organisation by its id or GLN")],
            )
        return buyers[0] if buyers else None
