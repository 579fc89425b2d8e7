"""The query of the FSMA 204 records, and what the document says their files hold."""

from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    StringConstraints,
    create_model,
    model_validator,
)

from api.domain.fsma.kdes import Cte
from api.domain.fsma.rows import COLUMNS, CellKind
from api.domain.fsma.sources import RecordsQuery
from api.presentation.schemas.fields import FilterDate, SearchText

CTE_PATTERN = f"^({'|'.join(c.value for c in Cte)})(,({'|'.join(c.value for c in Cte)}))*$"
LotCode = Annotated[str, StringConstraints(min_length=1, max_length=48, pattern=r"^[!-~]+$")]


class RecordsFormat(StrEnum):
    """The file format of the FSMA 204 records."""

    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


class RecordsQueryIn(BaseModel):
    """Which records, and in which format."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    from_: Annotated[
        FilterDate | None,
        Field(alias="from", description="Events recorded on or after this UTC date."),
    ] = None
    to: Annotated[
        FilterDate | None,
        Field(description="Events recorded on or before this UTC date; not before `from` (400)."),
    ] = None
    lot: Annotated[
        LotCode | None,
        Field(
            description=(
                "Only rows of this traceability lot code (a transformation's too, when it used"
                " the lot)."
            )
        ),
    ] = None
    product: Annotated[SearchText | None, Field(description="Only this product.")] = None
    cte: Annotated[
        str | None,
        Field(
            pattern=CTE_PATTERN,
            max_length=200,
            description="Only these critical tracking events, comma-separated.",
        ),
    ] = None
    format: Annotated[
        RecordsFormat, Field(description="`csv` (default), `xlsx`, or `json` (one array).")
    ] = RecordsFormat.CSV

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.from_ and self.to and self.from_ > self.to:
            raise ValueError("from is after to")
        return self

    def query(self) -> RecordsQuery:
        ctes = frozenset(Cte(name) for name in self.cte.split(",")) if self.cte else frozenset()
        return RecordsQuery(self.from_, self.to, self.lot, self.product, ctes)


# The JSON format's rows, for the document: every column, in order, as row_object writes it.
ROW_EXAMPLE: dict[str, Any] = {
    "cte": "shipping",
    "traceability_lot_code": "AGB-7K3Q-9XD2-M4TN",
    "product_description": "romaine lettuce, green",
    "quantity": "1200.000",
    "unit": "kg",
    "event_date": "2031-05-02",
    "event_time": "08:15:00",
    "tlc_source": "La Loma; Km 12, Uruapan, Michoacan 60000, MX; tel +52 452 123 4567",
    "ship_from": "La Loma; Km 12, Uruapan, Michoacan 60000, MX; tel +52 452 123 4567",
    "ship_to": "Frescos SA (Bodega 2); Av. Central 4, Morelia, Michoacan 58000, MX; tel +52 1",
    **{
        key: None
        for key in (
            "previous_source", "receiving_location", "farm", "field_name", "harvester",
            "harvest_date", "cooling_location", "cooling_date", "packing_location",
            "received_date", "received_quantity", "received_unit",
        )
    },
    "input_lots": [],
    "reference_document_type": "bill_of_lading",
    "reference_document_number": "BOL-2031-0042",
    "missing_kdes": [],
}  # fmt: skip
_ROW_FIELDS: dict[str, Any] = {
    column.key: (list[str] if column.kind is CellKind.LIST else str | None, ...)
    for column in COLUMNS
}
RecordRowOut: type[BaseModel] = create_model(
    "RecordRowOut",
    __config__=ConfigDict(json_schema_extra={"examples": [ROW_EXAMPLE]}),
    __doc__=(
        "One FSMA 204 record: a critical tracking event of a lot, each column as the CSV's"
        " (dates and times ISO 8601, quantities decimal strings); `missing_kdes` names the key"
        " data elements its event requires but lacks."
    ),
    **_ROW_FIELDS,
)


class RecordsOut(RootModel[list[RecordRowOut]]):
    """The FSMA 204 records as one JSON array, a row object a line."""

    model_config = ConfigDict(json_schema_extra={"examples": [[ROW_EXAMPLE]]})


RECORDS_TEXT_SCHEMA: dict[str, Any] = {"type": "string"}
RECORDS_BINARY_SCHEMA: dict[str, Any] = {"type": "string", "format": "binary"}
