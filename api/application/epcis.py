"""Our batch events as GS1 EPCIS 2.0 events (docs/standards.md, "Freezing"): each one's form made
and stored in the transaction that appends the event, and a lot's forms read back as an
EPCISDocument, by those who may see the lot or, reduced, by anyone for a public lot."""

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from api.application.batches_access import ensure_can_read
from api.application.ports import (
    BatchRepository,
    Clock,
    EpcisRepository,
    LineageRepository,
    LocationRepository,
    OrganisationRepository,
)
from api.application.public import plausible_code
from api.domain.batches import Batch, can_read
from api.domain.epcis.document import PREVIOUS_EVENT_ID, Event, epcis_document
from api.domain.epcis.events import new_salt, to_epcis
from api.domain.epcis.freezing import epcis_input, has_form, named
from api.domain.errors import NotFound
from api.domain.events import BatchEvent
from api.domain.locations import Location
from api.domain.organisations import Organisation
from api.domain.users import Actor


@dataclass(frozen=True)
class Captured:
    """A captured EPCIS event, as stored (its recordTime set), and the capture it came in."""

    event: Event
    capture_id: UUID


@dataclass
class Freezer:
    """Makes and stores a batch event's EPCIS form where the event is appended: inside the use
    case's transaction, under the batch's row lock, so the lot's previous EPCIS event cannot
    change meanwhile and the form is stored with the event or not at all."""

    epcis: EpcisRepository
    organisations: OrganisationRepository
    locations: LocationRepository

    async def freeze(
        self, batch: Batch, event: BatchEvent, captured: Captured | None = None
    ) -> Event | None:
        """The event's EPCIS form, stored; None for an event that has none. `batch` is the
        batch as the event left it. An event a trading partner's EPCIS event drove has that
        event as its form, stored as captured (docs/standards.md, "Capture")."""
        if captured is not None:
            await self.epcis.add(
                batch.id, event.seq, captured.event, event.at, capture_id=captured.capture_id
            )
            return captured.event
        if not has_form(batch, event):
            return None
        needs = named(batch, event)
        organisations: dict[UUID, Organisation] = {}
        for organisation_id in needs.organisations:
            if (organisation := await self.organisations.get(organisation_id)) is not None:
                organisations[organisation_id] = organisation
        locations: dict[UUID, Location] = {}
        for location_id in needs.locations:
            if (location := await self.locations.get(location_id)) is not None:
                locations[location_id] = location
        previous = await self._previous(batch)
        given = epcis_input(batch, event, previous, organisations, locations, new_salt())
        # GS1's reference hash takes a couple of milliseconds of CPU: off the event loop.
        frozen = await asyncio.to_thread(to_epcis, given)
        await self.epcis.add(batch.id, event.seq, frozen, event.at)
        return frozen

    async def _previous(self, batch: Batch) -> str | None:
        """The eventID of the lot's EPCIS event before this one: its own latest, else (a
        sub-lot's first) the split that made it; None for a lot's registration."""
        last = await self.epcis.last(batch.id)
        if last is None and batch.parent_id is not None:
            last = await self.epcis.last(batch.parent_id)
        return None if last is None else str(last["eventID"])


def _event_time(event: Event) -> datetime:
    return datetime.fromisoformat(str(event["eventTime"]))


@dataclass
class EpcisDocuments:
    batches: BatchRepository
    lineage: LineageRepository
    epcis: EpcisRepository
    clock: Clock

    async def of_batch(self, actor: Actor, batch_id: UUID, lineage: bool = False) -> Event:
        """The EPCISDocument of a batch the caller may see (404 otherwise); with `lineage`, of
        its ancestors and descendants too, those the caller may see (docs/API.md, "EPCIS")."""
        batch = ensure_can_read(actor, await self.batches.get(batch_id), batch_id)
        lots = [batch]
        if lineage:
            relatives = [
                *await self.lineage.ancestors(batch_id),
                *await self.lineage.descendants(batch_id),
            ]
            # Read together: concurrent reads by id leave as one query.
            found = await asyncio.gather(*(self.batches.get(r.id) for r in relatives))
            lots += [lot for lot in found if lot is not None and can_read(actor, lot)]
        return epcis_document(await self._events(lots), self.clock.now())

    async def of_public_lot(self, code: str) -> list[Event]:
        """The EPCIS events of the public lot with this public code; the same 404 as the public
        view for any other code. The caller publishes only what the public may see of them."""
        batch = await self.batches.by_public_code(code) if plausible_code(code) else None
        if batch is None or not batch.is_public:
            raise NotFound("no batch has this code")
        events = await self._events([batch])
        # The split that made a sub-lot links to its parent's events.
        lots = [batch.id, *([batch.parent_id] if batch.parent_id else [])]
        return _published(events, await self.epcis.captured(lots))

    async def _events(self, lots: Iterable[Batch]) -> list[Event]:
        """The lots' EPCIS events and, for a sub-lot, the split that made it (the events about
        it, as an EPCIS query by its class answers), in the order they happened."""
        covered = {lot.id: lot for lot in lots}
        makers = {lot.parent_id for lot in covered.values() if lot.parent_id} - set(covered)
        events = [split for p in sorted(makers) if (split := await self.epcis.last(p))]
        events += await self.epcis.of(list(covered))
        # Stable: events of one instant keep the order they were frozen in.
        return sorted(events, key=_event_time)


def _published(events: list[Event], captured: set[str]) -> list[Event]:
    """The events the public may see: our own, whose salt we drew. A captured event carries
    no salt of ours, so its eventID could be reversed by guessing what it holds: it is left
    out, and so is a link to it."""
    shown = [event for event in events if event["eventID"] not in captured]
    return [
        {**event, PREVIOUS_EVENT_ID: None} if event.get(PREVIOUS_EVENT_ID) in captured else event
        for event in shown
    ]
