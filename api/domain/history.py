"""What each kind of batch event records in its `data` (hashed into the chain, shown to those who
may see the batch, never on the public page). Quantities are decimal strings, ids strings."""

from uuid import UUID

from api.domain.batches import Batch, SplitKind
from api.domain.events import EventData, JsonValue, without_none
from api.domain.fsma.descriptions import ReferenceDocument


def quantity_text(batch: Batch) -> str:
    return f"{batch.quantity:.3f}"


def created(batch: Batch, parent_code: str | None = None) -> EventData:
    origin = batch.origin
    return without_none(
        {
            "code": batch.code,
            "product": batch.product,
            "variety": batch.variety,
            "origin": without_none(
                {"farm": origin.farm, "region": origin.region, "country": origin.country}
            ),
            "harvest_date": batch.harvest_date.isoformat(),
            "quantity": quantity_text(batch),
            "unit": batch.unit.value,
            "parent_id": str(batch.parent_id) if batch.parent_id else None,
            "parent_code": parent_code,
        }
    )


def status_changed(
    recipient_id: UUID | None = None,
    note: str | None = None,
    reason: str | None = None,
    ship_from_location_id: UUID | None = None,
    ship_to_location_id: UUID | None = None,
    reference: ReferenceDocument | None = None,
) -> EventData:
    # The locations and the document only when named: a shipment without them hashes as it
    # always has.
    document: JsonValue = (
        {"type": reference.type, "number": reference.number} if reference else None
    )
    return without_none(
        {
            "recipient_id": str(recipient_id) if recipient_id else None,
            "note": note,
            "reason": reason,
            "ship_from_location_id": str(ship_from_location_id) if ship_from_location_id else None,
            "ship_to_location_id": str(ship_to_location_id) if ship_to_location_id else None,
            "reference_document": document,
        }
    )


def split(children: list[Batch], kind: SplitKind | None = None) -> EventData:
    # The kind only when given: a split recorded without one hashes as it always has.
    return without_none(
        {
            "children": [
                {"id": str(c.id), "code": c.code, "quantity": quantity_text(c)} for c in children
            ],
            "kind": kind.value if kind else None,
        }
    )


def transaction_recorded(tx_hash: str, network: str, anchor_hash: str | None) -> EventData:
    return without_none({"tx_hash": tx_hash, "network": network, "anchor_hash": anchor_hash})
