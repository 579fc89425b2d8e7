"""GS1's EPCIS query interface, the part we answer (docs/API.md, "EPCIS queries"): events found
by a SimpleEventQuery, a page at a time, and one event by its eventID; only events of lots the
caller may read, as GET /batches/{id} decides."""

from dataclasses import dataclass
from uuid import UUID

from api.application.pagination import EventCursor
from api.application.ports import BatchRepository, Clock, EpcisRepository, StoredEpcisEvent
from api.domain.batches import can_read, reader_of
from api.domain.epcis.document import Event, epcis_query_document, epcis_time
from api.domain.epcis.query import EventQuery
from api.domain.errors import Hidden, NotFound
from api.domain.users import Actor

DEFAULT_PER_PAGE = 30  # GS1's default
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class QueryPage:
    """An EPCISQueryDocument of one page, and the token of the next (None: the last page)."""

    document: Event
    next_page_token: str | None


def _as_recorded(stored: StoredEpcisEvent) -> Event:
    # recordTime is when we stored it; GS1's hash leaves it out, so the eventID still verifies.
    return {**stored.event, "recordTime": epcis_time(stored.record_time)}


@dataclass
class EpcisQueries:
    epcis: EpcisRepository
    batches: BatchRepository
    clock: Clock

    async def events(
        self, actor: Actor, query: EventQuery, page_token: str | None, per_page: int
    ) -> QueryPage:
        """Oldest first by event time; `page_token` continues the same query."""
        fingerprint = query.fingerprint()
        after = EventCursor.decode(page_token, fingerprint) if page_token else None
        rows = await self.epcis.query(query, reader_of(actor), after, per_page + 1)
        page, more = rows[:per_page], len(rows) > per_page
        token = None
        if more:
            last = page[-1]
            token = EventCursor(last.event_time, last.id, fingerprint).encode()
        document = epcis_query_document([_as_recorded(s) for s in page], self.clock.now())
        return QueryPage(document, token)

    async def event(self, actor: Actor, event_id: str) -> Event:
        """The one event, in an EPCISQueryDocument; 404 when unknown or not the caller's."""
        stored = await self.epcis.by_event_id(event_id)
        if stored is None:
            raise NotFound("no EPCIS event has this eventID")
        if not await self._may_read(actor, stored.batch_id):
            # Audited as a denial about the lot the event is of (an eventID is too long a key).
            raise Hidden("no EPCIS event has this eventID", target_type="batch",
                         target_id=str(stored.batch_id))  # fmt: skip
        return epcis_query_document([_as_recorded(stored)], self.clock.now())

    async def _may_read(self, actor: Actor, batch_id: UUID | None) -> bool:
        if reader_of(actor) is None:
            return True
        batch = None if batch_id is None else await self.batches.get(batch_id)
        return batch is not None and can_read(actor, batch)
