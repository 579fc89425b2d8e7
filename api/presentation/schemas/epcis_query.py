"""GS1's EPCIS query interface (REST binding): the SimpleEventQuery parameters we answer, and
the EPCISQueryDocument a page of events comes in. Parameter names are GS1's; several values of
one parameter are separated by `|`, as the binding's pipe-delimited style has it."""

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.application.epcis_query import DEFAULT_PER_PAGE, MAX_PER_PAGE
from api.domain.epcis.document import EPCIS_CONTEXT_URL, PREFIX, QUERY_NAME, context
from api.domain.epcis.query import EVENT_TYPES, WILDCARD, EventQuery, bare_cbv
from api.presentation.schemas.epcis import EVENT_EXAMPLE
from api.presentation.schemas.fields import CONTROL, DateTime

MAX_VALUES = 50
SEPARATOR = "|"
_TYPE = "(" + "|".join(sorted(EVENT_TYPES)) + ")"
# One value: printable, no separator; a class pattern may end in the wildcard (and only there).
_VALUE = f"[^{CONTROL}|]+"
_CLASS = f"[^{CONTROL}|*]+[*]?"


def _values(one: str) -> str:
    return f"^{one}([|]{one})*$"


def _few(values: str) -> str:
    if values.count(SEPARATOR) >= MAX_VALUES:
        raise ValueError(f"at most {MAX_VALUES} values")
    return values


EventTypes = Annotated[str, Field(pattern=_values(_TYPE), max_length=1024), AfterValidator(_few)]
Values = Annotated[str, Field(pattern=_values(_VALUE), max_length=8192), AfterValidator(_few)]
Classes = Annotated[str, Field(pattern=_values(_CLASS), max_length=8192), AfterValidator(_few)]
PageToken = Annotated[str, Field(min_length=1, max_length=512, pattern="^[A-Za-z0-9_-]+$")]
# Parameters that take several values; the others are given once.
LISTS = frozenset({"eventType", "EQ_bizStep", "EQ_disposition", "MATCH_anyEPCClass", "EQ_eventID"})


class EventsQuery(BaseModel):
    """A SimpleEventQuery: each parameter given must hold; any of its `|`-separated values may
    match. Other SimpleEventQuery parameters are not answered (400)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    event_type: Annotated[
        EventTypes | None,
        Field(alias="eventType", description="Only events of these types (`ObjectEvent|...`)."),
    ] = None
    ge_event_time: Annotated[
        DateTime | None,
        Field(alias="GE_eventTime", description="Only events at or after this RFC 3339 time."),
    ] = None
    lt_event_time: Annotated[
        DateTime | None,
        Field(alias="LT_eventTime", description="Only events before this RFC 3339 time."),
    ] = None
    eq_biz_step: Annotated[
        Values | None,
        Field(
            alias="EQ_bizStep",
            description="Only events with one of these CBV business steps (bare words, e.g."
            " `shipping`, or GS1's URIs of them).",
        ),
    ] = None
    eq_disposition: Annotated[
        Values | None,
        Field(
            alias="EQ_disposition",
            description="Only events with one of these CBV dispositions (e.g. `in_transit`).",
        ),
    ] = None
    match_any_epc_class: Annotated[
        Classes | None,
        Field(
            alias="MATCH_anyEPCClass",
            description="Only events with one of these lot classes in any quantity list; a"
            " trailing `*` matches every class that starts with what precedes it (e.g."
            " `https://id.gs1.org/01/07038010000065/10/*`: every lot of one GTIN).",
        ),
    ] = None
    eq_event_id: Annotated[
        Values | None,
        Field(alias="EQ_eventID", description="Only the events with these eventIDs."),
    ] = None
    per_page: Annotated[
        int,
        Field(
            alias="perPage",
            ge=1,
            le=MAX_PER_PAGE,
            description=f"Events per page, 1-{MAX_PER_PAGE} (default {DEFAULT_PER_PAGE}).",
        ),
    ] = DEFAULT_PER_PAGE
    next_page_token: Annotated[
        PageToken | None,
        Field(
            alias="nextPageToken",
            description='From the previous page\'s `Link` (rel="next"), with the same filters.',
        ),
    ] = None

    def to_query(self) -> EventQuery:
        classes = _split(self.match_any_epc_class)
        return EventQuery(
            event_types=_split(self.event_type),
            ge_event_time=self.ge_event_time,
            lt_event_time=self.lt_event_time,
            biz_steps=tuple(bare_cbv(v) for v in _split(self.eq_biz_step)),
            dispositions=tuple(bare_cbv(v) for v in _split(self.eq_disposition)),
            epc_classes=tuple(c for c in classes if not c.endswith(WILDCARD)),
            epc_class_prefixes=tuple(c[:-1] for c in classes if c.endswith(WILDCARD)),
            event_ids=_split(self.eq_event_id),
        )


def _split(values: str | None) -> tuple[str, ...]:
    return () if values is None else tuple(dict.fromkeys(values.split(SEPARATOR)))


QUERY_DOCUMENT_EXAMPLE: dict[str, Any] = {
    "@context": context(),
    "type": "EPCISQueryDocument",
    "schemaVersion": "2.0",
    "creationDate": "2026-10-05T10:00:00.000+00:00",
    "epcisBody": {
        "queryResults": {
            "queryName": QUERY_NAME,
            "resultsBody": {
                "eventList": [EVENT_EXAMPLE | {"recordTime": "2026-10-03T08:15:00.042+00:00"}]
            },
        }
    },
}


class ResultsBodyOut(BaseModel):
    """The events of this page, oldest first."""

    model_config = ConfigDict(populate_by_name=True)

    event_list: list[dict[str, Any]] = Field(
        alias="eventList",
        description=(
            "GS1 EPCIS 2.0 events as frozen (with `agrobridge:previousEventID` and"
            f" `{PREFIX}:salt`), each with `recordTime`: when it was stored (not hashed)."
        ),
    )


class QueryResultsOut(BaseModel):
    """The query answered and its results."""

    model_config = ConfigDict(populate_by_name=True)

    query_name: Literal["SimpleEventQuery"] = Field(alias="queryName")
    results_body: ResultsBodyOut = Field(alias="resultsBody")


class QueryBodyOut(BaseModel):
    """The body of an EPCISQueryDocument."""

    model_config = ConfigDict(populate_by_name=True)

    query_results: QueryResultsOut = Field(alias="queryResults")


class EpcisQueryDocumentOut(BaseModel):
    """A GS1 EPCIS 2.0 EPCISQueryDocument (JSON-LD): one page of a SimpleEventQuery's events."""

    model_config = ConfigDict(
        populate_by_name=True, json_schema_extra={"examples": [QUERY_DOCUMENT_EXAMPLE]}
    )

    context: list[Any] = Field(
        alias="@context",
        description=f"`{EPCIS_CONTEXT_URL}` and our prefix `{PREFIX}`, exactly (hashed).",
    )
    type: Literal["EPCISQueryDocument"]
    schema_version: Literal["2.0"] = Field(alias="schemaVersion")
    creation_date: str = Field(alias="creationDate", description="When the answer was made.")
    epcis_body: QueryBodyOut = Field(alias="epcisBody")
