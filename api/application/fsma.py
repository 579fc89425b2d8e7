"""FDA FSMA 204 records (docs/fsma204.md): the caller's batch events read a page at a time in time
order, each turned into the fsma domain's inputs and rows, and written by the chosen format as
they come. Nothing holds the export: a page of events, and the places and lots they name."""

from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from api.application.fsma_inputs import Reader
from api.application.ports import (
    BatchRepository,
    LocationRepository,
    OrganisationRepository,
    RecordedEventRepository,
)
from api.domain.errors import FieldIssue, MalformedInput
from api.domain.fsma.mapping import rows_for
from api.domain.fsma.rows import Row
from api.domain.fsma.sources import EventFilter, RecordsQuery
from api.domain.users import Actor

# Events read per query: enough to amortise a round trip, few enough to hold.
PAGE_SIZE = 500


@dataclass(frozen=True)
class ExportFormat:
    """A file format: its media type, its file name's extension, and its writer, which turns
    rows into byte chunks as they come."""

    media_type: str
    extension: str
    write: Callable[[AsyncIterable[Row]], AsyncGenerator[bytes, None]]


@dataclass(frozen=True)
class Export:
    media_type: str
    filename: str
    # Not started: whoever sends it pulls the chunks, and closes it if the client leaves.
    chunks: AsyncGenerator[bytes, None]


def scope_of(actor: Actor) -> Actor | None:
    """Whose records the caller exports: auditors and admins (people) anyone's (None), everyone
    else their organisation's."""
    return None if actor.role.reads_everything and not actor.is_client else actor


def _start(on: date | None) -> datetime | None:
    return datetime.combine(on, time(), UTC) if on else None


def _end(on: date | None) -> datetime | None:
    return datetime.combine(on + timedelta(days=1), time(), UTC) if on and on < date.max else None


def _wanted(row: Row, query: RecordsQuery) -> bool:
    if query.ctes and row.cte not in query.ctes:
        return False
    if query.lot is not None:
        codes = {row.traceability_lot_code, *(used.code for used in row.input_lots)}
        return query.lot in codes
    return True


@dataclass
class FsmaRecords:
    events: RecordedEventRepository
    batches: BatchRepository
    locations: LocationRepository
    organisations: OrganisationRepository
    formats: Mapping[str, ExportFormat]
    page_size: int = PAGE_SIZE

    def export(self, actor: Actor, query: RecordsQuery, format_name: str) -> Export:
        """The records `query` asks for, in `format_name`: an organisation's own (the lots it
        owns or was shipped), anyone's for an auditor or admin."""
        chosen = self.formats.get(format_name)
        if chosen is None:
            raise MalformedInput(
                "unknown format",
                [FieldIssue("format", f"one of {', '.join(sorted(self.formats))}")],
            )
        dates = [d.isoformat() for d in (query.from_date, query.to_date) if d is not None]
        filename = "_".join(["fsma204-records", *dates]) + f".{chosen.extension}"
        return Export(chosen.media_type, filename, chosen.write(self.rows(actor, query)))

    async def rows(self, actor: Actor, query: RecordsQuery) -> AsyncIterator[Row]:
        """The rows, in the order their events were recorded."""
        scope = scope_of(actor)
        filters = EventFilter(
            organisation_id=scope.org if scope else None,
            start=_start(query.from_date),
            end=_end(query.to_date),
            product=query.product,
        )
        reader = Reader(self.batches, self.locations, self.organisations)
        after: tuple[datetime, int] | None = None
        while True:
            page = await self.events.page(filters, after, self.page_size)
            for stored in page:
                for event in await reader.inputs(stored):
                    for row in rows_for(event):
                        if _wanted(row, query):
                            yield row
            if len(page) < self.page_size:
                return
            after = (page[-1].at, page[-1].id)
