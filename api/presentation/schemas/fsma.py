"""The query of the FSMA 204 records, and what the document says their files hold."""

from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.domain.fsma.kdes import Cte
from api.domain.fsma.rows import COLUMNS
from api.domain.fsma.sources import RecordsQuery
from api.presentation.schemas.fields import FilterDate, SearchText

CTE_PATTERN = f"^({'|'.join(c.value for c in Cte)})(,({'|'.join(c.value for c in Cte)}))*$"
LotCode = Annotated[str, StringConstraints(min_length=1, max_length=48, pattern=r"^[!-~]+$")]


class RecordsFormat(StrEnum):
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


# The JSON format's rows, for the document: every column, as row_object writes it.
_TEXT: dict[str, Any] = {"type": ["string", "null"]}
_LIST: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
ROW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        column.key: _LIST if column.kind.value == "list" else _TEXT for column in COLUMNS
    },
    "required": [column.key for column in COLUMNS],
}
RECORDS_JSON_SCHEMA: dict[str, Any] = {"type": "array", "items": ROW_SCHEMA}
RECORDS_TEXT_SCHEMA: dict[str, Any] = {"type": "string"}
RECORDS_BINARY_SCHEMA: dict[str, Any] = {"type": "string", "format": "binary"}
