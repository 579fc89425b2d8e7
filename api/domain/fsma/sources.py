"""What an FSMA 204 export reads of our history: the batch events that are Critical Tracking
Events, with their lot, in time order, and which of them a caller asks for."""

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from api.domain.batches import Batch
from api.domain.custody import EventType
from api.domain.events import EventData
from api.domain.fsma.kdes import Cte

# The batch events that make rows (docs/fsma204.md, "From our events to Critical Tracking
# Events"); rejections and cancellations are not CTEs.
RECORDED_TYPES = (EventType.CREATED, EventType.SHIPPED, EventType.DELIVERED, EventType.SPLIT)


@dataclass(frozen=True)
class StoredEvent:
    """A batch event as the export reads it: the batch as it is now, and, for a delivery, the
    data of the shipment it ends (its reference document travels with it)."""

    id: int
    batch: Batch
    type: str
    at: datetime
    data: EventData
    shipment: EventData | None = None


@dataclass(frozen=True)
class EventFilter:
    """The events of an export: of lots the organisation owns or was shipped (None: anyone's),
    recorded from `start` (inclusive) to `end` (exclusive), of one product."""

    organisation_id: UUID | None
    start: datetime | None = None
    end: datetime | None = None
    product: str | None = None
    types: tuple[str, ...] = tuple(RECORDED_TYPES)


@dataclass(frozen=True)
class RecordsQuery:
    """What a caller asks for: the events of UTC dates `from_date` to `to_date` (inclusive),
    the rows of one traceability lot code, product or CTEs."""

    from_date: date | None = None
    to_date: date | None = None
    lot: str | None = None
    product: str | None = None
    ctes: frozenset[Cte] = frozenset()
