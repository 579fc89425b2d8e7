"""GS1's SimpleEventQuery, the subset we answer (docs/standards.md, "Querying events"): what an
event is found by, what a query asks, and whether an event matches it.

The keys are read from the event as frozen, once, when it is stored: the database indexes them,
and the in-memory store matches with `matches`, so both answer alike.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from api.domain.epcis.document import Event

EVENT_TYPES = frozenset(
    {
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
    }
)
QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
# CBV 2.0 words may be written bare (`shipping`) or as GS1's URIs of them; we store them bare.
CBV_FORMS = (
    ("https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:"),
    ("https://ref.gs1.org/cbv/Disp-", "urn:epcglobal:cbv:disp:"),
)
WILDCARD = "*"


@dataclass(frozen=True)
class EventKeys:
    """What an event is found by."""

    event_type: str
    event_time: datetime  # in UTC
    biz_step: str | None
    disposition: str | None
    epc_classes: tuple[str, ...]  # every class in any of its quantity lists, each once, sorted


def bare_cbv(value: str) -> str:
    """A CBV business step or disposition as its bare word when written as GS1's URI of it."""
    for forms in CBV_FORMS:
        for prefix in forms:
            if value.startswith(prefix) and len(value) > len(prefix):
                return value[len(prefix) :]
    return value


def utc(text: str) -> datetime:
    """An RFC 3339 time with its offset, in UTC; ValueError otherwise."""
    at = datetime.fromisoformat(text)
    if at.utcoffset() is None:
        raise ValueError("a time needs its UTC offset")
    return at.astimezone(UTC)


def keys_of(event: Event) -> EventKeys:
    """The keys of a frozen (or captured) event; ValueError when it has no type or time."""
    event_type, event_time = event.get("type"), event.get("eventTime")
    if not isinstance(event_type, str) or not isinstance(event_time, str):
        raise ValueError("an EPCIS event has a type and an eventTime")
    classes: set[str] = set()
    for name in QUANTITY_LISTS:
        items = event.get(name)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("epcClass"), str):
                classes.add(str(item["epcClass"]))
    step, disposition = event.get("bizStep"), event.get("disposition")
    return EventKeys(
        event_type=event_type,
        event_time=utc(event_time),
        biz_step=bare_cbv(step) if isinstance(step, str) else None,
        disposition=bare_cbv(disposition) if isinstance(disposition, str) else None,
        epc_classes=tuple(sorted(classes)),
    )


@dataclass(frozen=True)
class EventQuery:
    """A SimpleEventQuery: each given filter must hold, any of its values may match. An empty
    tuple or None filters nothing."""

    event_types: tuple[str, ...] = ()
    ge_event_time: datetime | None = None
    lt_event_time: datetime | None = None
    biz_steps: tuple[str, ...] = ()
    dispositions: tuple[str, ...] = ()
    # MATCH_anyEPCClass: whole classes, and prefixes (a pattern's text before its trailing `*`).
    epc_classes: tuple[str, ...] = ()
    epc_class_prefixes: tuple[str, ...] = ()
    event_ids: tuple[str, ...] = ()

    def fingerprint(self) -> str:
        """Short and stable: a page token names the query it continues."""
        times = [
            t.astimezone(UTC).isoformat() if t else None
            for t in (self.ge_event_time, self.lt_event_time)
        ]
        fields = [
            sorted(self.event_types), times, sorted(self.biz_steps), sorted(self.dispositions),
            sorted(self.epc_classes), sorted(self.epc_class_prefixes), sorted(self.event_ids),
        ]  # fmt: skip
        raw = json.dumps(fields, separators=(",", ":")).encode()
        return hashlib.sha256(raw).hexdigest()[:16]


def matches(query: EventQuery, keys: EventKeys, event_id: str) -> bool:
    """Whether an event with these keys answers the query (the database asks the same)."""
    if query.event_types and keys.event_type not in query.event_types:
        return False
    if query.ge_event_time is not None and keys.event_time < query.ge_event_time:
        return False
    if query.lt_event_time is not None and keys.event_time >= query.lt_event_time:
        return False
    if query.biz_steps and keys.biz_step not in query.biz_steps:
        return False
    if query.dispositions and keys.disposition not in query.dispositions:
        return False
    if query.epc_classes or query.epc_class_prefixes:
        whole = set(keys.epc_classes) & set(query.epc_classes)
        started = any(c.startswith(p) for c in keys.epc_classes for p in query.epc_class_prefixes)
        if not whole and not started:
            return False
    return not query.event_ids or event_id in query.event_ids
