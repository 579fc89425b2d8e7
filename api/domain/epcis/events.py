"""One of our batch events as an EPCIS 2.0 event, its eventID the GS1 hash of it.

Built from plain values (URIs already made by `identifiers`), so that what goes into a published
event is visible at one glance. Two extension fields make the events of a lot a chain
(docs/standards.md): the previous event's eventID, inside the event so the hash covers it, and a
random salt, so that an eventID shown without its event cannot be reversed by guessing.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from api.domain.batches import Unit
from api.domain.custody import EventType
from api.domain.epcis.document import (
    PREVIOUS_EVENT_ID,
    SALT,
    Event,
    Json,
    epcis_time,
    time_zone_offset,
)
from api.domain.epcis.hashing import event_hash
from api.domain.epcis.vocabulary import (
    BIZ_TRANSACTION_TYPES,
    LOCATION,
    OWNING_PARTY,
    UOM,
    EpcisType,
    Mapping,
    mapping_for,
)

SALT_BYTES = 16
SALT_TEXT = re.compile(r"[0-9a-f]{32}")


def _read_as_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def new_salt() -> str:
    """128 random bits as 32 hex digits. The hash tool hashes any value float() reads as a
    number in its rounded form, so a salt of digits only (1 in 3.4 million) is drawn again:
    its low digits would not count."""
    while _read_as_number(salt := secrets.token_hex(SALT_BYTES)):
        pass
    return salt


@dataclass(frozen=True)
class Quantity:
    """An amount of one lot: its class URI (`identifiers.lot_uri`), how much, in what unit."""

    epc_class: str
    amount: Decimal
    unit: Unit


@dataclass(frozen=True)
class Ilmd:
    """Lot master data, given where a lot is made: a registration, a split's outputs."""

    harvest_date: date
    country_of_origin: str  # ISO 3166-1 alpha-2
    # The lot's code; left out of a split into several lots (one ilmd describes them all).
    lot_number: str | None = None


@dataclass(frozen=True)
class BizTransaction:
    """A business document the event belongs to: a CBV type (`po`, `desadv`...) and its URI."""

    type: str
    uri: str


@dataclass(frozen=True)
class EpcisInput:
    event: EventType
    # When it happened, in the offset it happened in.
    at: datetime
    # The lot (a split's inputs: the lot split).
    quantities: tuple[Quantity, ...]
    salt: str
    # The eventID of the lot's event before this one; None only for a registration.
    previous_event_id: str | None = None
    # A split's sub-lots.
    outputs: tuple[Quantity, ...] = ()
    read_point: str | None = None
    biz_location: str | None = None
    source_party: str | None = None
    source_location: str | None = None
    destination_party: str | None = None
    destination_location: str | None = None
    ilmd: Ilmd | None = None
    biz_transactions: tuple[BizTransaction, ...] = ()


def _number(amount: Decimal) -> int | float:
    # A JSON number, as the schema wants: our amounts have at most 14 significant digits.
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _quantities(items: tuple[Quantity, ...]) -> list[Json]:
    if not items or any(item.amount <= 0 for item in items):
        raise ValueError("an EPCIS event names at least one lot, each in a positive amount")
    return [
        {"epcClass": q.epc_class, "quantity": _number(q.amount), "uom": UOM[q.unit]} for q in items
    ]


def _ends(party: str | None, location: str | None, key: str) -> list[Json]:
    ends: list[Json] = []
    if party is not None:
        ends.append({"type": OWNING_PARTY, key: party})
    if location is not None:
        ends.append({"type": LOCATION, key: location})
    return ends


def _ilmd(ilmd: Ilmd) -> Json:
    fields: dict[str, Json] = {}
    if ilmd.lot_number is not None:
        fields["cbvmda:lotNumber"] = ilmd.lot_number
    # One harvest date: the harvest started and ended that day.
    fields["cbvmda:harvestStartDate"] = ilmd.harvest_date.isoformat()
    fields["cbvmda:harvestEndDate"] = ilmd.harvest_date.isoformat()
    fields["cbvmda:countryOfOrigin"] = ilmd.country_of_origin
    return fields


def _check(given: EpcisInput, mapping: Mapping) -> None:
    split = mapping.type is EpcisType.TRANSFORMATION
    if (given.previous_event_id is None) != (given.event is EventType.CREATED):
        raise ValueError("every event but a registration names the lot's previous event")
    if bool(given.outputs) != split:
        raise ValueError("a split, and only a split, has outputs")
    if given.ilmd is not None and not mapping.carries_ilmd:
        raise ValueError(f"a {given.event} event carries no lot master data")
    if given.ilmd and given.ilmd.lot_number and len(given.outputs) > 1:
        raise ValueError("one lot number cannot describe several sub-lots")
    if not SALT_TEXT.fullmatch(given.salt) or _read_as_number(given.salt):
        raise ValueError("the salt is 32 hex digits, not all of them decimal (new_salt)")
    for transaction in given.biz_transactions:
        if transaction.type not in BIZ_TRANSACTION_TYPES and ":" not in transaction.type:
            raise ValueError(f"not a CBV business transaction type: {transaction.type!r}")


def event_body(given: EpcisInput) -> Event:
    """The event without its eventID: what the hash is computed over."""
    mapping = mapping_for(given.event)
    if mapping is None:
        raise ValueError(f"a {given.event} event is not an EPCIS event")
    _check(given, mapping)
    body: Event = {
        "type": mapping.type.value,
        "eventTime": epcis_time(given.at),
        "eventTimeZoneOffset": time_zone_offset(given.at),
    }
    if mapping.type is EpcisType.TRANSFORMATION:
        body["inputQuantityList"] = _quantities(given.quantities)
        body["outputQuantityList"] = _quantities(given.outputs)
    else:
        body["quantityList"] = _quantities(given.quantities)
    if mapping.action is not None:
        body["action"] = mapping.action.value
    body["bizStep"] = mapping.biz_step
    body["disposition"] = mapping.disposition
    if given.read_point is not None:
        body["readPoint"] = {"id": given.read_point}
    if given.biz_location is not None:
        body["bizLocation"] = {"id": given.biz_location}
    if given.biz_transactions:
        body["bizTransactionList"] = [
            {"type": t.type, "bizTransaction": t.uri} for t in given.biz_transactions
        ]
    if sources := _ends(given.source_party, given.source_location, "source"):
        body["sourceList"] = sources
    if destinations := _ends(given.destination_party, given.destination_location, "destination"):
        body["destinationList"] = destinations
    if given.ilmd is not None:
        body["ilmd"] = _ilmd(given.ilmd)
    if given.previous_event_id is not None:
        body[PREVIOUS_EVENT_ID] = given.previous_event_id
    body[SALT] = given.salt
    return body


def to_epcis(given: EpcisInput) -> Event:
    """The EPCIS event, its eventID set to the GS1 hash of the rest."""
    body = event_body(given)
    event_id = event_hash(body)
    # Shown after the type, where readers look for it; its place changes no hash.
    return {"type": body.pop("type"), "eventID": event_id, **body}
