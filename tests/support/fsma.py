"""FSMA 204 examples shared by the unit tests and the export benchmark: described places, one
lot's complete history from the field to a repack, and shipments by the thousand."""

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from api.domain.fsma.descriptions import (
    LocationDescription,
    ProductDescription,
    Quantity,
    ReferenceDocument,
    TlcSource,
)
from api.domain.fsma.events import (
    Cooling,
    LotEvent,
    Receipt,
    Received,
    Registration,
    Shipment,
    Split,
    SplitPart,
)
from api.domain.fsma.lots import LotIdentity, SplitKind
from api.domain.fsma.mapping import rows_for
from api.domain.fsma.rows import Row
from api.domain.locations import LocationKind

UPLAND = LocationDescription(
    business_name="Rancho La Loma", phone="+52 452 100 0000", country="MX",
    street="Km 3 Carretera Uruapan-Tancitaro", city="Uruapan", region="Michoacan",
    postal_code="60000",
)  # fmt: skip
FARM = replace(UPLAND, site_name="La Loma", gln="7501234000017")
FIELD = replace(UPLAND, site_name="Tabla 7")
COOLER = replace(UPLAND, business_name="Frio Express", phone="+52 452 300 0000", street=None,
                 latitude=Decimal("19.4135"), longitude=Decimal("-102.0521"))  # fmt: skip
PACKHOUSE = replace(UPLAND, business_name="Empacadora Sol", phone="+52 452 200 0000",
                    site_name="Planta 2", gln="7501234000024")  # fmt: skip
BUYER_DC = LocationDescription(
    business_name="FreshCo Distribution", phone="+1 956 555 0100", country="US",
    street="400 Produce Way", city="McAllen", region="TX", postal_code="78501",
)  # fmt: skip
REPACKER = replace(BUYER_DC, street="410 Produce Way", site_name="Repack room")

AVOCADO = ProductDescription("Avocado", "Hass")
CARTON = ProductDescription("Avocado", "Hass", "Sol", "10 kg", "carton")
BAG = ProductDescription("Avocado", "Hass", "FreshCo", "1 kg", "mesh bag")
HARVEST_DAY = date(2031, 5, 1)
AT = datetime(2031, 5, 2, 9, 30, 15, 123456, tzinfo=UTC)


def kg(amount: str) -> Quantity:
    return Quantity(Decimal(amount), "kg")


def reference(number: str, kind: str = "bill of lading") -> ReferenceDocument:
    return ReferenceDocument(kind, number)


def harvest() -> Registration:
    """Harvested in a field of a farm, cooled, on to the packhouse."""
    return Registration(
        lot_code="LL-2031-0501", product=AVOCADO, quantity=kg("1200"), harvest_date=HARVEST_DAY,
        registered_at=AT, site_kind=LocationKind.FIELD, site=FIELD, farm=FARM,
        cooling=Cooling(COOLER, HARVEST_DAY), next_recipient=PACKHOUSE,
        reference=reference("HL-0501", "harvest log"),
    )  # fmt: skip


def packing() -> Registration:
    """Initially packed at the packhouse: its lot code is assigned there."""
    return Registration(
        lot_code="SOL-2031-0502", product=CARTON, quantity=kg("1150"), harvest_date=HARVEST_DAY,
        registered_at=AT, site_kind=LocationKind.PACKHOUSE, site=PACKHOUSE, farm=FARM,
        field_name="Tabla 7", cooling=Cooling(COOLER, HARVEST_DAY),
        received=Received(HARVEST_DAY + timedelta(days=1), kg("1200")),
        reference=reference("PL-0502", "production log"),
    )  # fmt: skip


PACKED = LotIdentity("SOL-2031-0502", TlcSource.at(PACKHOUSE))


def shipment(lot: LotIdentity = PACKED, at: datetime = AT + timedelta(days=1)) -> Shipment:
    return Shipment(lot, CARTON, kg("1150"), at, PACKHOUSE, BUYER_DC, reference("BOL-88213"))


def receipt() -> Receipt:
    return Receipt(PACKED, CARTON, kg("1150"), AT + timedelta(days=3), PACKHOUSE, BUYER_DC,
                   reference("BOL-88213"))  # fmt: skip


def repack() -> Split:
    parts = (SplitPart("FC-7781", kg("600"), BAG), SplitPart("FC-7782", kg("550"), BAG))
    return Split(SplitKind.REPACK, PACKED, CARTON, parts, AT + timedelta(days=4), REPACKER,
                 reference("WO-3310", "work order"))  # fmt: skip


def divide() -> Split:
    parts = (SplitPart("SOL-2031-0502-A", kg("575")), SplitPart("SOL-2031-0502-B", kg("575")))
    return Split(SplitKind.DIVIDE, PACKED, CARTON, parts, AT + timedelta(days=2), PACKHOUSE)


def history() -> list[LotEvent]:
    """A lot's whole story, every KDE known."""
    return [harvest(), packing(), shipment(), receipt(), divide(), repack()]


def shipments(count: int) -> Iterator[Shipment]:
    """`count` shipments of different lots on different days, in no particular order."""
    for index in range(count):
        lot = LotIdentity(f"SOL-{(index * 7919) % count:07d}", PACKED.source)
        yield shipment(lot, AT + timedelta(minutes=(index * 104729) % (count * 5)))


async def rows_of(events: Iterable[LotEvent]) -> AsyncIterator[Row]:
    for event in events:
        for row in rows_for(event):
            yield row
