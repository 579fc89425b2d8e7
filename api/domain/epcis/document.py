"""The EPCISDocument that carries our events, and the JSON-LD context it is written in.

The reference event hash depends on the context (docs/standards.md, "The event hash"): GS1's
context by this exact URL, of which the hash tool ships a copy (any other URL it fetches from
the network), and one prefix of our own. Our namespace is an identifier, never fetched; every
extension field is hashed under it, so changing it changes every eventID ever published.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from api.domain.epcis.identifiers import AUTHORITY

Json = str | int | float | bool | None | list["Json"] | dict[str, "Json"]
Event = dict[str, Json]

EPCIS_CONTEXT_URL: Final = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
PREFIX: Final = "agrobridge"
NAMESPACE: Final = f"https://{AUTHORITY}/epcis/"
SCHEMA_VERSION: Final = "2.0"

# The eventID of the lot's event before this one: inside the event, so its hash covers the link.
PREVIOUS_EVENT_ID: Final = f"{PREFIX}:previousEventID"
# 128 random bits, hex: a published eventID cannot be reversed by guessing the event's content.
SALT: Final = f"{PREFIX}:salt"


def context() -> list[Json]:
    """The @context, a fresh copy each time (callers may change what they are handed)."""
    return [EPCIS_CONTEXT_URL, {PREFIX: NAMESPACE}]


def epcis_time(at: datetime) -> str:
    """An EPCIS time: milliseconds, in the offset it was given in (`+00:00`, never `Z`)."""
    if at.utcoffset() is None:
        raise ValueError("an EPCIS time needs its UTC offset")
    return at.isoformat(timespec="milliseconds")


def time_zone_offset(at: datetime) -> str:
    """`eventTimeZoneOffset`: the offset `at` was given in, as `+HH:MM` (`+00:00` for UTC)."""
    offset = at.utcoffset()
    if offset is None:
        raise ValueError("an EPCIS time needs its UTC offset")
    seconds = int(offset.total_seconds())
    if seconds % 60:
        raise ValueError("an EPCIS time zone offset is whole minutes")
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{'-' if seconds < 0 else '+'}{hours:02d}:{minutes:02d}"


def epcis_document(events: Sequence[Event], creation_date: datetime) -> Event:
    return {
        "@context": context(),
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": epcis_time(creation_date),
        "epcisBody": {"eventList": list(events)},
    }


QUERY_NAME: Final = "SimpleEventQuery"


def epcis_query_document(events: Sequence[Event], creation_date: datetime) -> Event:
    """The answer to a SimpleEventQuery (GS1's REST binding): one page of events."""
    return {
        "@context": context(),
        "type": "EPCISQueryDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": epcis_time(creation_date),
        "epcisBody": {
            "queryResults": {"queryName": QUERY_NAME, "resultsBody": {"eventList": list(events)}}
        },
    }
