"""A batch event's EPCIS form, from what the use case that appends it knows (docs/standards.md,
"Freezing"): the batch, the organisations and sites the event names, and the eventID of the
lot's EPCIS event before it. Migration 7 froze the events made before it with these same
functions.

What each event names besides the lot (a split: the lot in, its sub-lots out):

| event | read point | business location | also |
|---|---|---|---|
| `created` | the site it was grown at | the same | lot master data |
| `shipped` | its ship-from site | none: in transit | source, destination (below); document |
| `delivered` | the recipient's ship-to site | the same | source and destination |
| `rejected` | the recipient's ship-to site | the same | |
| `cancelled` | where it lies | | |
| `split` | where it lies | the same | the sub-lots' lot master data |

Source: the owner and the ship-from site; destination: the recipient and the ship-to site.
Where a lot lies, when not moving: the recipient's ship-to site once shipped, else the site it
was grown at; unknown for a sub-lot never shipped (its `origin_location_id` is its parent's
farm, not where it was split). What is not known is left out, never guessed.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from uuid import UUID

from api.domain.batches import Batch
from api.domain.custody import EventType
from api.domain.epcis.events import BizTransaction, EpcisInput, Ilmd, Quantity
from api.domain.epcis.identifiers import (
    AUTHORITY,
    document_type_uri,
    document_uri,
    location_uri,
    lot_uri,
    party_uri,
)
from api.domain.epcis.vocabulary import DOCUMENT_TYPES, mapping_for
from api.domain.events import BatchEvent
from api.domain.locations import Location
from api.domain.organisations import Organisation

E = EventType


def has_form(batch: Batch, event: BatchEvent) -> bool:
    """Whether the event is an EPCIS event: `transaction_recorded` stays ours, and a sub-lot's
    registration is the split that made it (its TransformationEvent's outputs)."""
    kind = EventType(event.type)
    if mapping_for(kind) is None:
        return False
    return not (kind is E.CREATED and batch.parent_id is not None)


@dataclass(frozen=True)
class Named:
    """The organisations and locations an event names, by id: what to read before building it."""

    organisations: frozenset[UUID]
    locations: frozenset[UUID]


@dataclass(frozen=True)
class _Shipment:
    owner: UUID
    recipient: UUID | None
    ship_from: UUID | None
    ship_to: UUID | None


def _id(value: object) -> UUID | None:
    return UUID(value) if isinstance(value, str) else None


def _shipment(batch: Batch, event: BatchEvent) -> _Shipment:
    # What the event recorded, else what the batch holds: a batch ships once, so the ends on
    # the batch are its shipment's (and a shipment made before custody names no recipient).
    data = event.data
    return _Shipment(
        batch.owner_id,
        _id(data.get("recipient_id")) or batch.recipient_id,
        _id(data.get("ship_from_location_id")) or batch.ship_from_location_id,
        _id(data.get("ship_to_location_id")) or batch.ship_to_location_id,
    )


def _lies_at(batch: Batch) -> UUID | None:
    if batch.ship_to_location_id is not None:
        return batch.ship_to_location_id
    return batch.origin_location_id if batch.parent_id is None else None


def named(batch: Batch, event: BatchEvent) -> Named:
    kind, ends = EventType(event.type), _shipment(batch, event)
    organisations: set[UUID | None] = set()
    locations: set[UUID | None] = set()
    if kind is E.CREATED:
        locations = {batch.origin_location_id}
    elif kind in (E.SHIPPED, E.DELIVERED):
        organisations = {ends.owner, ends.recipient}
        locations = {ends.ship_from, ends.ship_to}
    elif kind is E.REJECTED:
        locations = {ends.ship_to}
    elif kind in (E.CANCELLED, E.SPLIT):
        locations = {_lies_at(batch)}
    return Named(
        frozenset(i for i in organisations if i is not None),
        frozenset(i for i in locations if i is not None),
    )


def lot_class(batch: Batch, code: str | None = None) -> str:
    """The lot's class URI (its sub-lot's, given the sub-lot's code): a sub-lot has its
    parent's GTIN."""
    return lot_uri(AUTHORITY, code or batch.code, batch.gtin)


def epcis_input(
    batch: Batch,
    event: BatchEvent,
    previous_event_id: str | None,
    organisations: Mapping[UUID, Organisation],
    locations: Mapping[UUID, Location],
    salt: str,
) -> EpcisInput:
    """The input `to_epcis` makes the event from. `batch` is the batch as the event left it;
    the organisations and locations are those `named` lists (one missing is left out)."""
    if not has_form(batch, event):
        raise ValueError(f"this {event.type} event has no EPCIS form")
    kind, ends = EventType(event.type), _shipment(batch, event)

    def site(location_id: UUID | None) -> str | None:
        found = locations.get(location_id) if location_id else None
        if found is None:
            return None
        return location_uri(AUTHORITY, found.id, found.gln, found.gln_extension)

    def party(organisation_id: UUID | None) -> str | None:
        found = organisations.get(organisation_id) if organisation_id else None
        return None if found is None else party_uri(AUTHORITY, found.id, found.gln)

    lot = (Quantity(lot_class(batch), batch.quantity, batch.unit),)
    base = EpcisInput(kind, event.at, lot, salt, previous_event_id=previous_event_id)
    if kind is E.CREATED:
        origin = site(batch.origin_location_id)
        harvest = Ilmd(batch.harvest_date, batch.origin.country, lot_number=batch.code)
        return replace(base, read_point=origin, biz_location=origin, ilmd=harvest)
    if kind in (E.SHIPPED, E.DELIVERED):
        # Seen leaving the ship-from site; received at the ship-to site, where it now is.
        received = site(ends.ship_to) if kind is E.DELIVERED else None
        return replace(
            base,
            read_point=received if kind is E.DELIVERED else site(ends.ship_from),
            biz_location=received,
            source_party=party(ends.owner),
            source_location=site(ends.ship_from),
            destination_party=party(ends.recipient),
            destination_location=site(ends.ship_to),
            biz_transactions=_documents(event, ends.owner) if kind is E.SHIPPED else (),
        )
    if kind is E.REJECTED:
        received = site(ends.ship_to)
        return replace(base, read_point=received, biz_location=received)
    here = site(_lies_at(batch))
    if kind is E.CANCELLED:
        return replace(base, read_point=here)
    children = _children(event)
    outputs = tuple(
        Quantity(lot_class(batch, code), amount, batch.unit) for code, amount in children
    )
    # One ilmd describes all the outputs: a lot number only for a single one.
    number = children[0][0] if len(children) == 1 else None
    ilmd = Ilmd(batch.harvest_date, batch.origin.country, lot_number=number)
    return replace(base, outputs=outputs, read_point=here, biz_location=here, ilmd=ilmd)


def _documents(event: BatchEvent, owner: UUID) -> tuple[BizTransaction, ...]:
    """The document a shipment travels under, as its event recorded it (the shipper's)."""
    document = event.data.get("reference_document")
    if not isinstance(document, dict):
        return ()
    kind, number = str(document["type"]), str(document["number"])
    cbv = DOCUMENT_TYPES.get(kind.strip().lower().replace(" ", "_"))
    return (
        BizTransaction(
            cbv or document_type_uri(AUTHORITY, kind), document_uri(AUTHORITY, owner, kind, number)
        ),
    )


def _children(event: BatchEvent) -> list[tuple[str, Decimal]]:
    """A split's sub-lots as its event recorded them: codes and quantities (in the lot's unit)."""
    children = event.data.get("children")
    if not isinstance(children, list) or not children:
        raise ValueError("a split event names its sub-lots")
    found = []
    for child in children:
        code = child.get("code") if isinstance(child, dict) else None
        amount = child.get("quantity") if isinstance(child, dict) else None
        if not isinstance(code, str) or not isinstance(amount, str):
            raise ValueError("a split's sub-lot has a code and a quantity")
        found.append((code, Decimal(amount)))
    return found
