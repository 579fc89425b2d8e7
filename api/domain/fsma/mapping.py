"""Which Critical Tracking Events our events are, and their rows (docs/fsma204.md):

| our event                              | CTE rows                                               |
|----------------------------------------|--------------------------------------------------------|
| registration at a packhouse            | initial packing (the lot code is assigned there)       |
| registration elsewhere (farm, field)   | harvesting                                             |
| ... naming where it was cooled         | cooling too, after the harvest, before the packing     |
| shipped                                | shipping                                               |
| delivered                              | receiving                                              |
| split: repack                          | transformation, one row per new lot                    |
| split: divide                          | none: the parts keep the lot's code                    |

Each row names in `missing_kdes` the Key Data Elements its event needs but lacks (empty, or a
location description without all its parts), in the rule's order: never a silent blank.
"""

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from api.domain.fsma.descriptions import (
    Business,
    LocationDescription,
    ProductDescription,
    Quantity,
    ReferenceDocument,
    TlcSource,
    filled,
)
from api.domain.fsma.events import LotEvent, Receipt, Registration, Shipment, Split
from api.domain.fsma.kdes import Cte, Kde, required_kdes
from api.domain.fsma.lots import LotIdentity, SplitKind
from api.domain.fsma.rows import InputLot, Row
from api.domain.locations import LocationKind

K = Kde


def rows_for(event: LotEvent) -> tuple[Row, ...]:
    """The rows one of our events makes, in the order things happened."""
    match event:
        case Registration():
            return _registration(event)
        case Shipment():
            return (_shipment(event),)
        case Receipt():
            return (_receipt(event),)
        case Split():
            return _split(event)


def _utc(at: datetime) -> tuple[date, time]:
    at = at.astimezone(UTC)
    return at.date(), at.time().replace(microsecond=0, tzinfo=None)


def _text(place: LocationDescription | TlcSource | Business | None) -> str | None:
    return place.text() or None if place else None


def _complete(place: LocationDescription | None) -> bool:
    return place is not None and place.complete


def _row(
    cte: Cte,
    present: Mapping[Kde, bool],
    code: str | None,
    product: ProductDescription,
    quantity: Quantity | None,
    on: date | None,
    at: time | None,
    reference: ReferenceDocument | None,
    cooled: bool = False,
    **columns: Any,
) -> Row:
    """The row of `cte`, the other `columns` as given; a KDE it needs that `present` does not
    vouch for is missing, and so is the quantity, the product or the reference document."""
    present = {
        **present,
        K.COMMODITY_AND_VARIETY: product.has_commodity,
        K.PRODUCT_DESCRIPTION: product.has_commodity,
        K.QUANTITY_AND_UNIT: quantity is not None and quantity.complete,
        K.REFERENCE_DOCUMENT: reference is not None and reference.complete,
    }
    return Row(
        cte=cte,
        traceability_lot_code=code if filled(code) else None,
        product_description=product.text() or None,
        quantity=quantity.amount if quantity else None,
        unit=quantity.unit if quantity and filled(quantity.unit) else None,
        event_date=on,
        event_time=at,
        reference_document_type=reference.type if reference and filled(reference.type) else None,
        reference_document_number=(
            reference.number if reference and filled(reference.number) else None
        ),
        missing_kdes=tuple(kde for kde in required_kdes(cte, cooled) if not present.get(kde)),
        **columns,
    )


def _registration(event: Registration) -> tuple[Row, ...]:
    packed = event.site_kind is LocationKind.PACKHOUSE
    farm = event.farm or (event.site if event.site_kind is LocationKind.FARM else None)
    field_name = event.field_name
    if field_name is None and event.site_kind is LocationKind.FIELD and event.site:
        field_name = event.site.site_name
    present = {
        K.FARM: _complete(farm),
        K.FIELD: filled(field_name),
        K.HARVEST_DATE: event.harvest_date is not None,
    }
    lot = (event.lot_code, event.product, event.quantity)
    harvest: dict[str, Any] = {
        "farm": _text(farm),
        "field_name": field_name if filled(field_name) else None,
        "harvest_date": event.harvest_date,
    }
    # Harvested food goes to the cooler when cooled, else to the next recipient; cooled food
    # goes on to the packer: this packhouse, or the next recipient.
    cooling, rows = event.cooling, []
    if not packed:
        to = cooling.location if cooling else event.next_recipient
        rows.append(_row(
            Cte.HARVESTING, {**present, K.SUBSEQUENT_RECIPIENT: _complete(to)}, *lot,
            event.harvest_date, None, event.reference, ship_to=_text(to), **harvest,
        ))  # fmt: skip
    if cooling is not None:
        to = event.site if packed else event.next_recipient
        cooled = {
            K.SUBSEQUENT_RECIPIENT: _complete(to),
            K.COOLING_LOCATION: _complete(cooling.location),
            K.COOLING_DATE: cooling.on is not None,
        }
        rows.append(_row(
            Cte.COOLING, {**present, **cooled}, *lot, cooling.on, None, event.reference,
            ship_to=_text(to), cooling_location=_text(cooling.location),
            cooling_date=cooling.on, **harvest,
        ))  # fmt: skip
    if packed:
        rows.append(_packing(event, present, farm, harvest))
    return tuple(rows)


def _packing(
    event: Registration,
    present: dict[Kde, bool],
    farm: LocationDescription | None,
    harvest: dict[str, Any],
) -> Row:
    on, at = _utc(event.registered_at)
    harvester = event.harvester or (Business(farm.business_name, farm.phone) if farm else None)
    received, cooling, site = event.received, event.cooling, event.site
    received_quantity = received.quantity if received else None
    present = {
        **present,
        K.TRACEABILITY_LOT_CODE: filled(event.lot_code),
        K.RECEIVED_DATE: received is not None and received.on is not None,
        K.RECEIVED_QUANTITY: received_quantity is not None and received_quantity.complete,
        K.HARVESTER: harvester is not None and harvester.complete,
        K.PACKING_LOCATION: _complete(site),
        K.PACKING_DATE: True,
        K.COOLING_LOCATION: cooling is not None and _complete(cooling.location),
        K.COOLING_DATE: cooling is not None and cooling.on is not None,
    }
    return _row(
        Cte.INITIAL_PACKING, present, event.lot_code, event.product, event.quantity, on, at,
        event.reference, cooled=cooling is not None,
        tlc_source=_text(TlcSource.at(site)) if site else None,
        packing_location=_text(site), harvester=_text(harvester),
        cooling_location=_text(cooling.location) if cooling else None,
        cooling_date=cooling.on if cooling else None,
        received_date=received.on if received else None,
        received_quantity=received_quantity.amount if received_quantity else None,
        received_unit=received_quantity.unit if received_quantity else None,
        **harvest,
    )  # fmt: skip


def _lot(lot: LotIdentity) -> dict[Kde, bool]:
    return {
        K.TRACEABILITY_LOT_CODE: filled(lot.code),
        K.TLC_SOURCE: lot.source is not None and lot.source.identified,
    }


def _shipment(event: Shipment) -> Row:
    on, at = _utc(event.shipped_at)
    present = {
        **_lot(event.lot),
        K.SUBSEQUENT_RECIPIENT: _complete(event.ship_to),
        K.SHIP_FROM: _complete(event.ship_from),
        K.SHIP_DATE: True,
    }
    return _row(
        Cte.SHIPPING, present, event.lot.code, event.product, event.quantity, on, at,
        event.reference, tlc_source=_text(event.lot.source), ship_from=_text(event.ship_from),
        ship_to=_text(event.ship_to),
    )  # fmt: skip


def _receipt(event: Receipt) -> Row:
    on, at = _utc(event.received_at)
    present = {
        **_lot(event.lot),
        K.PREVIOUS_SOURCE: _complete(event.previous_source),
        K.RECEIVING_LOCATION: _complete(event.receiving_location),
        K.RECEIVING_DATE: True,
    }
    return _row(
        Cte.RECEIVING, present, event.lot.code, event.product, event.quantity, on, at,
        event.reference, tlc_source=_text(event.lot.source),
        previous_source=_text(event.previous_source),
        receiving_location=_text(event.receiving_location),
    )  # fmt: skip


def _split(event: Split) -> tuple[Row, ...]:
    if event.kind is SplitKind.DIVIDE:
        return ()
    on, at = _utc(event.split_at)
    source = TlcSource.at(event.site) if event.site else None
    rows = []
    for part in event.parts:
        used = InputLot(event.parent.code, event.product, part.quantity)
        present = {
            K.INPUT_LOTS: filled(used.code) and event.product.has_commodity
            and used.quantity is not None and used.quantity.complete,
            K.TRACEABILITY_LOT_CODE: filled(part.code),
            K.TRANSFORMATION_LOCATION: _complete(event.site),
            K.TRANSFORMATION_DATE: True,
        }  # fmt: skip
        rows.append(_row(
            Cte.TRANSFORMATION, present, part.code, part.product or event.product,
            part.quantity, on, at, event.reference, tlc_source=_text(source), input_lots=(used,),
        ))  # fmt: skip
    return tuple(rows)
