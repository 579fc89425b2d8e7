"""One spreadsheet row per Critical Tracking Event and traceability lot, and the one list of its
columns, in order, that every export format writes (docs/fsma204.md, "The spreadsheet")."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter

from api.domain.fsma.descriptions import ProductDescription, Quantity
from api.domain.fsma.kdes import Cte, Kde


@dataclass(frozen=True, slots=True)
class InputLot:
    """A lot used in a transformation: its code, its product, the quantity used from it."""

    code: str
    product: ProductDescription
    quantity: Quantity | None

    def text(self) -> str:
        used = self.quantity.text() if self.quantity else "quantity unknown"
        product = self.product.text()
        return f"{self.code}: {used}" + (f", {product}" if product else "")


@dataclass(frozen=True, slots=True)
class Row:
    """What one record says; a column a Critical Tracking Event does not use stays None. A Key
    Data Element its event needs but that is empty or incomplete is named in `missing_kdes`."""

    cte: Cte
    traceability_lot_code: str | None
    product_description: str | None
    quantity: Decimal | None
    unit: str | None
    # UTC: the date of the event (a harvest's or a cooling's own date), its time when known.
    event_date: date | None
    event_time: time | None
    tlc_source: str | None = None
    ship_from: str | None = None
    # The immediate subsequent recipient: a shipment's ship-to, or where harvested food went.
    ship_to: str | None = None
    previous_source: str | None = None
    receiving_location: str | None = None
    farm: str | None = None
    field_name: str | None = None
    harvester: str | None = None
    harvest_date: date | None = None
    cooling_location: str | None = None
    cooling_date: date | None = None
    packing_location: str | None = None
    received_date: date | None = None
    received_quantity: Decimal | None = None
    received_unit: str | None = None
    input_lots: tuple[InputLot, ...] = ()
    reference_document_type: str | None = None
    reference_document_number: str | None = None
    missing_kdes: tuple[Kde, ...] = ()


class CellKind(StrEnum):
    """How a format writes a column's values: dates and numbers as such where it can."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    TIME = "time"
    LIST = "list"


Cell = str | Decimal | date | time | tuple[str, ...] | None


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: CellKind
    value: Callable[[Row], Cell]


def _column(key: str, header: str, kind: CellKind = CellKind.TEXT) -> Column:
    return Column(key, header, kind, attrgetter(key))


T, N, D = CellKind.TEXT, CellKind.NUMBER, CellKind.DATE
COLUMNS: tuple[Column, ...] = (
    _column("cte", "Critical tracking event"),
    _column("traceability_lot_code", "Traceability lot code"),
    _column("product_description", "Product description"),
    _column("quantity", "Quantity", N),
    _column("unit", "Unit of measure"),
    _column("event_date", "Event date", D),
    _column("event_time", "Event time (UTC)", CellKind.TIME),
    _column("tlc_source", "Traceability lot code source"),
    _column("ship_from", "Ship-from location"),
    _column("ship_to", "Ship-to location (immediate subsequent recipient)"),
    _column("previous_source", "Immediate previous source location"),
    _column("receiving_location", "Receiving location"),
    _column("farm", "Harvest farm location"),
    _column("field_name", "Field or growing area"),
    _column("harvester", "Harvester business name and phone"),
    _column("harvest_date", "Harvest date", D),
    _column("cooling_location", "Cooling location"),
    _column("cooling_date", "Cooling date", D),
    _column("packing_location", "Initial packing location"),
    _column("received_date", "Date received for packing", D),
    _column("received_quantity", "Quantity received for packing", N),
    _column("received_unit", "Unit received for packing"),
    Column(
        "input_lots", "Input lots (code: quantity used, product)", CellKind.LIST,
        lambda row: tuple([lot.text() for lot in row.input_lots]),
    ),
    _column("reference_document_type", "Reference document type"),
    _column("reference_document_number", "Reference document number"),
    Column(
        "missing_kdes", "Missing key data elements", CellKind.LIST,
        lambda row: tuple([kde.value for kde in row.missing_kdes]),
    ),
)  # fmt: skip


def cells(row: Row) -> list[Cell]:
    """The row's values in column order."""
    return [column.value(row) for column in COLUMNS]
