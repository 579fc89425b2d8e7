from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from api.domain.batches import Batch, BatchStatus, SplitKind, Unit
from api.domain.countries import ISO_3166_ALPHA2
from api.domain.epcis.identifiers import gtin14, gtin_problem
from api.presentation.schemas.common import RequestModel, ResponseModel, UtcDatetime, rfc3339
from api.presentation.schemas.fields import HarvestDate, Note, Recipient, Text100, Text200, Uuid


def _country(value: str) -> str:
    if value not in ISO_3166_ALPHA2:
        raise ValueError("must be an ISO 3166-1 alpha-2 code")
    return value


Country = Annotated[
    str,
    AfterValidator(_country),
    WithJsonSchema(
        {
            "type": "string",
            "enum": sorted(ISO_3166_ALPHA2),
            "description": "An ISO 3166-1 alpha-2 code.",
        }
    ),
]

# A decimal string greater than 0 with up to 11 digits before the point and 3 after, in ASCII
# digits: "1250.500". Never a float.
QUANTITY_PATTERN = (
    r"^(?:[1-9][0-9]{0,10}(?:\.[0-9]{1,3})?|0\.(?:[1-9][0-9]{0,2}|0[1-9][0-9]?|00[1-9]))$"
)
QuantityText = Annotated[str, StringConstraints(pattern=QUANTITY_PATTERN)]
# A client's own code: 3-32 of [A-Z0-9-], not starting with `-` nor with `AGB-` (the server's
# namespace, a 422). Spelled without a lookahead, which not every regex engine has.
BATCH_CODE_PATTERN = (
    r"^(?:[B-Z0-9][A-Z0-9-]{2,31}|A[A-FH-Z0-9-][A-Z0-9-]{1,30}"
    r"|AG[AC-Z0-9-][A-Z0-9-]{0,29}|AGB(?:[A-Z0-9][A-Z0-9-]{0,28})?)$"
)
# The server checks the namespace itself, to name the rule in its answer (docs/API.md).
BatchCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{2,31}$"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": BATCH_CODE_PATTERN,
            "description": "3-32 of A-Z, 0-9 and `-`; not starting with `-` or `AGB-`.",
        }
    ),
]


def _gtin(value: str) -> str:
    if problem := gtin_problem(value):
        raise ValueError(problem)
    return gtin14(value)


# Checked for its GS1 check digit (422 otherwise) and kept as 14 digits.
Gtin = Annotated[
    str,
    StringConstraints(pattern="^(?:[0-9]{8}|[0-9]{12,14})$"),
    AfterValidator(_gtin),
    Field(
        description=(
            "The product's GS1 GTIN: 8, 12, 13 or 14 digits, the last a check digit; kept as 14"
            " digits. It names the lot in its EPCIS events."
        )
    ),
]
GtinOut = Annotated[str, Field(pattern="^[0-9]{14}$")]

QuantityOut = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.3f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]{1,11}\.[0-9]{3}$"}),
]


class OriginIn(RequestModel):
    """Where the batch was grown."""

    farm: Text200
    region: Text200 | None = None
    country: Country


BATCH_EXAMPLE: dict[str, Any] = {
    "product": "avocado",
    "variety": "Hass",
    "origin": {"farm": "La Loma", "region": "Michoacan", "country": "MX"},
    "harvest_date": "2026-10-02",
    "quantity": "1250.500",
    "unit": "kg",
    "gtin": "7038010000065",
}


class BatchIn(RequestModel):
    """A new batch; the server makes a `code` when none is given. With an
    `origin_location_id`, `origin` may be left out: it is the location's."""

    # One of `origin` and `origin_location_id` is needed (422 on `origin` otherwise); said in
    # words only, as a schema-level anyOf would turn this model into a union in generated clients.
    model_config = ConfigDict(json_schema_extra={"examples": [BATCH_EXAMPLE]})

    product: Text100
    variety: Text100 | None = None
    origin: OriginIn | None = None
    # One of the organisation's active locations: where it was grown.
    origin_location_id: Uuid | None = None
    harvest_date: HarvestDate
    quantity: QuantityText
    unit: Unit
    code: BatchCode | None = None
    # Show the farm's name on the public verification page.
    farm_public: bool = False
    # Public at once; otherwise once shipped or published (POST /batches/{id}/publish).
    publish: bool = False
    gtin: Gtin | None = None


class ReferenceDocumentIn(RequestModel):
    """A business document an event is recorded in: its type and number."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"type": "bill_of_lading", "number": "BOL-2031-0042"}]}
    )

    type: Annotated[
        str, StringConstraints(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9 _./-]+$")
    ]
    number: Annotated[
        str, StringConstraints(min_length=1, max_length=100, pattern=r"^[!-~]([ -~]*[!-~])?$")
    ]


class StatusIn(RequestModel):
    """The status to move the batch to, and an optional note kept in the audit trail."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "in_transit", "note": "truck 7"}]}
    )

    status: BatchStatus
    note: Note | None = None
    # Shipping (in_transit): the buyer it goes to, by email or user id.
    recipient: Recipient | None = None
    # Rejecting: why.
    reason: Note | None = None
    # Shipping: where it leaves from (the owner's location) and goes to (the recipient's).
    ship_from_location_id: Uuid | None = None
    ship_to_location_id: Uuid | None = None
    # Shipping: the document the shipment travels under (a bill of lading, an invoice...),
    # for the FSMA 204 records.
    reference_document: ReferenceDocumentIn | None = None


class SplitPartIn(RequestModel):
    """One part of a split: its quantity, and optionally its code."""

    quantity: QuantityText
    code: BatchCode | None = None


class SplitIn(RequestModel):
    """The parts a batch is split into; their quantities add up to the batch's."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"parts": [{"quantity": "1000.000"}, {"quantity": "250.500"}]}]
        }
    )

    parts: Annotated[list[SplitPartIn], Field(min_length=2, max_length=100)]
    # divide: the same food parted to ship or sell apart (the parts keep its FSMA 204 lot
    # code); repack: new packaging or product (each part is a new lot).
    kind: SplitKind = SplitKind.DIVIDE


class OriginOut(ResponseModel):
    """Where the batch was grown."""

    farm: str
    region: str | None
    country: str


BATCH_OUT_EXAMPLE: dict[str, Any] = {
    **BATCH_EXAMPLE,
    "id": "0b6c3f9e-2d4a-4a57-9a3e-3f1c2b7d8e90",
    "code": "AGB-7K3Q-9XD2-M4TN",
    "owner_id": "5d7e8f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
    "status": "registered",
    "created_at": "2026-10-03T08:15:00Z",
    "updated_at": "2026-10-03T08:15:00Z",
    "recipient_id": None,
    "parent_id": None,
    "farm_public": False,
    "public_code": "AGB-7K3Q-9XD2-M4TN",
    "published_at": None,
    "organisation_id": "5d7e8f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
    "created_by": "5d7e8f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
    "origin_location_id": "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a",
    "ship_from_location_id": None,
    "ship_to_location_id": None,
    "gtin": "07038010000065",
    "split_kind": None,
}


class BatchOut(ResponseModel):
    """A batch (lot) and its current status."""

    model_config = ConfigDict(json_schema_extra={"examples": [BATCH_OUT_EXAMPLE]})

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
    # What the public page and QR code answer to: the code itself when the server made it,
    # otherwise the code, a dot and 12 random symbols.
    public_code: str
    # Since when anyone may read it by public_code (shipped, split from a public lot, or
    # published); null while it is not public.
    published_at: UtcDatetime | None
    # The owning organisation (owner_id), and the person or machine client that registered it
    # (null for batches registered before organisations).
    organisation_id: UUID
    created_by: UUID | None
    # Where it was grown, and where its shipment left from and goes to: locations.
    origin_location_id: UUID | None
    ship_from_location_id: UUID | None
    ship_to_location_id: UUID | None
    # The product's GTIN, 14 digits (a sub-lot has its parent's); null when none was given.
    gtin: GtinOut | None
    # A sub-lot: whether its parent was divided or repacked; null for a lot not split from
    # another, and for sub-lots split before the kind was recorded (they count as divided).
    split_kind: SplitKind | None = None


class BatchPage(BaseModel):
    """A page of batches, newest first; pass `next_cursor` as `cursor` for the next one."""

    data: list[BatchOut]
    next_cursor: str | None


class SplitOut(BaseModel):
    """The batch split, now `split`, and the sub-lots made from it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "parent": {**BATCH_OUT_EXAMPLE, "status": "split"},
                    "children": [
                        {
                            **BATCH_OUT_EXAMPLE,
                            "id": "7e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b",
                            "code": "AGB-2QX8-PZ4M-6TR3",
                            "public_code": "AGB-2QX8-PZ4M-6TR3",
                            "quantity": "1000.000",
                            "parent_id": BATCH_OUT_EXAMPLE["id"],
                        },
                        {
                            **BATCH_OUT_EXAMPLE,
                            "id": "8f2a3b4c-5d6e-4f7a-9b0c-1d2e3f4a5b6c",
                            "code": "AGB-5HN3-WQ7C-2KDW",
                            "public_code": "AGB-5HN3-WQ7C-2KDW",
                            "quantity": "250.500",
                            "parent_id": BATCH_OUT_EXAMPLE["id"],
                        },
                    ],
                }
            ]
        }
    )

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
        "public_code": batch.public_code,
        "published_at": rfc3339(batch.published_at) if batch.published_at else None,
        "organisation_id": str(batch.owner_id),
        "created_by": _id(batch.created_by),
        "origin_location_id": _id(batch.origin_location_id),
        "ship_from_location_id": _id(batch.ship_from_location_id),
        "ship_to_location_id": _id(batch.ship_to_location_id),
        "gtin": batch.gtin,
        "split_kind": batch.split_kind.value if batch.split_kind else None,
    }


def _id(value: UUID | None) -> str | None:
    return str(value) if value else None
