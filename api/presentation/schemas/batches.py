from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from api.domain.batches import Batch, BatchStatus, Unit
from api.domain.countries import ISO_3166_ALPHA2
from api.presentation.schemas.common import (
    OptionalText,
    RequestModel,
    ResponseModel,
    Text,
    UtcDatetime,
    rfc3339,
)


def _country(value: str) -> str:
    if value not in ISO_3166_ALPHA2:
        raise ValueError("must be an ISO 3166-1 alpha-2 code")
    return value


def _quantity(value: str) -> str:
    if Decimal(value) <= 0:
        raise ValueError("must be greater than 0")
    return value


# Decimal strings, never floats: "1250.500".
QuantityText = Annotated[
    str,
    StringConstraints(pattern=r"^\d{1,11}(\.\d{1,3})?$"),
    AfterValidator(_quantity),
]
BatchCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{2,31}$")]


QuantityOut = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.3f}", return_type=str),
    WithJsonSchema({"type": "string", "examples": ["1250.500"]}),
]


class OriginIn(RequestModel):
    farm: Text
    region: OptionalText = None
    country: Annotated[str, AfterValidator(_country)]


class BatchIn(RequestModel):
    product: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    variety: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    origin: OriginIn
    harvest_date: date
    quantity: QuantityText
    unit: Unit
    code: BatchCode | None = None
    # Show the farm's name on the public verification page.
    farm_public: bool = False


class StatusIn(RequestModel):
    status: BatchStatus
    note: Annotated[str, StringConstraints(max_length=500)] | None = None
    # Shipping (in_transit): the buyer it goes to, by email or user id.
    recipient: Annotated[str, StringConstraints(min_length=1, max_length=320)] | None = None
    # Rejecting: why.
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None


class SplitPartIn(RequestModel):
    quantity: QuantityText
    code: BatchCode | None = None


class SplitIn(RequestModel):
    parts: Annotated[list[SplitPartIn], Field(min_length=2, max_length=100)]


class OriginOut(ResponseModel):
    farm: str
    region: str | None
    country: str


class BatchOut(ResponseModel):
    id: UUID
    code: str
    owner_id: UUID
    product: str
    variety: str | None
    origin: OriginOut
    harvest_date: date
    quantity: QuantityOut
    unit: Unit
    status: BatchStatus
    created_at: UtcDatetime
    updated_at: UtcDatetime
    recipient_id: UUID | None
    parent_id: UUID | None
    farm_public: bool


class BatchPage(BaseModel):
    data: list[BatchOut]
    next_cursor: str | None


class SplitOut(BaseModel):
    parent: BatchOut
    children: list[BatchOut]


def batch_json(batch: Batch) -> dict[str, object]:
    """A batch as BatchOut renders it (a test holds them equal), without pydantic's per-item
    cost: pages render twenty of these."""
    origin = batch.origin
    return {
        "id": str(batch.id),
        "code": batch.code,
        "owner_id": str(batch.owner_id),
        "product": batch.product,
        "variety": batch.variety,
        "origin": {"farm": origin.farm, "region": origin.region, "country": origin.country},
        "harvest_date": batch.harvest_date.isoformat(),
        "quantity": f"{batch.quantity:.3f}",
        "unit": batch.unit.value,
        "status": batch.status.value,
        "created_at": rfc3339(batch.created_at),
        "updated_at": rfc3339(batch.updated_at),
        "recipient_id": str(batch.recipient_id) if batch.recipient_id else None,
        "parent_id": str(batch.parent_id) if batch.parent_id else None,
        "farm_public": batch.farm_public,
    }
