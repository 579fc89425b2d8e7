"""Locations on the wire. Coordinates are decimal strings, like quantities: never floats."""

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

from api.domain.gs1 import GLN_EXTENSION
from api.domain.locations import Location, LocationKind
from api.presentation.schemas.batches import Country
from api.presentation.schemas.common import RequestModel, ResponseModel, UtcDatetime, rfc3339
from api.presentation.schemas.fields import QueryBool, Text100, Text200, Uuid
from api.presentation.schemas.organisations import Gln, Phone
from api.presentation.schemas.queries import PageQuery

# Degrees with up to 6 decimals (about 11 cm), within -90..90 and -180..180; the patterns say
# the whole range, so the document and the server accept the same strings.
LATITUDE_PATTERN = r"^-?(?:(?:[0-9]|[1-8][0-9])(?:\.[0-9]{1,6})?|90(?:\.0{1,6})?)$"
LONGITUDE_PATTERN = r"^-?(?:(?:[0-9]|[1-9][0-9]|1[0-7][0-9])(?:\.[0-9]{1,6})?|180(?:\.0{1,6})?)$"
COORDINATE_OUT_PATTERN = r"^-?[0-9]{1,3}\.[0-9]{6}$"


def _degrees(pattern: str, bounds: str) -> Callable[[object], Decimal]:
    matches = re.compile(pattern).fullmatch

    def parse(value: object) -> Decimal:
        if not isinstance(value, str) or not matches(value):
            raise ValueError(f"must be a decimal string from {bounds} with up to 6 decimals")
        # "-0" is 0: one value, one spelling.
        return Decimal(value) or Decimal(0)

    return parse


Latitude = Annotated[
    Decimal,
    PlainValidator(_degrees(LATITUDE_PATTERN, "-90 to 90")),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": LATITUDE_PATTERN,
            "description": 'Degrees north, -90 to 90, up to 6 decimals: `"19.432608"`.',
        }
    ),
]
Longitude = Annotated[
    Decimal,
    PlainValidator(_degrees(LONGITUDE_PATTERN, "-180 to 180")),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": LONGITUDE_PATTERN,
            "description": 'Degrees east, -180 to 180, up to 6 decimals: `"-99.133209"`.',
        }
    ),
]
CoordinateOut = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.6f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": COORDINATE_OUT_PATTERN}),
]
PostalCode = Annotated[
    str,
    StringConstraints(pattern="^[A-Za-z0-9](?:[A-Za-z0-9 -]{0,18}[A-Za-z0-9])?$"),
    Field(description="1-20 letters, digits, spaces and hyphens: `58000`, `SW1A 1AA`."),
]
GlnExtension = Annotated[
    str,
    StringConstraints(pattern=f"^{GLN_EXTENSION.pattern}$"),
    Field(description="GS1 AI 254: which part of the site with this GLN (with a `gln` only)."),
]

LOCATION_EXAMPLE: dict[str, Any] = {
    "name": "La Loma, lote 3",
    "kind": "field",
    "street": "Carretera Uruapan km 12",
    "city": "Uruapan",
    "region": "Michoacan",
    "postal_code": "60000",
    "country": "MX",
    "latitude": "19.411700",
    "longitude": "-102.056400",
    "phone": "+52 452 123 4567",
    "gln": "7501234000017",
    "gln_extension": "LOTE-3",
    "parent_id": "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
}


class LocationIn(RequestModel):
    """A new location of the organisation. Latitude and longitude go together; a
    `gln_extension` needs a `gln`; `parent_id` is another of the organisation's active
    locations (a field inside a farm)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [LOCATION_EXAMPLE],
            "dependentRequired": {
                "latitude": ["longitude"],
                "longitude": ["latitude"],
                "gln_extension": ["gln"],
            },
        }
    )

    name: Text200
    kind: LocationKind
    street: Text200 | None = None
    city: Text100 | None = None
    region: Text100 | None = None
    postal_code: PostalCode | None = None
    country: Country
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    phone: Phone | None = None
    gln: Gln | None = None
    gln_extension: GlnExtension | None = None
    parent_id: Uuid | None = None


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class LocationPatch(RequestModel):
    """The fields to change; those left out stay as they are, and `null` empties an optional
    one. The location as changed keeps the rules of a new one."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"phone": "+52 452 765 4321"}]})

    # Required fields: changed, never emptied.
    name: Text200 | SkipJsonSchema[None] = Field(default=None, json_schema_extra=_no_default)
    kind: LocationKind | SkipJsonSchema[None] = Field(default=None, json_schema_extra=_no_default)
    country: Country | SkipJsonSchema[None] = Field(default=None, json_schema_extra=_no_default)
    street: Text200 | None = None
    city: Text100 | None = None
    region: Text100 | None = None
    postal_code: PostalCode | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    phone: Phone | None = None
    gln: Gln | None = None
    gln_extension: GlnExtension | None = None
    parent_id: Uuid | None = None

    @field_validator("name", "kind", "country")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null")
        return value


class LocationQuery(PageQuery):
    """Paging, and archived or active locations."""

    archived: Annotated[
        QueryBool,
        Field(description="`true`: only archived locations; `false` (default): only active ones."),
    ] = False


class LocationOut(ResponseModel):
    """A site of an organisation: a farm, a field in it, a packhouse, a warehouse..."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **LOCATION_EXAMPLE,
                    "id": "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a",
                    "organisation_id": "5d7e8f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
                    "archived_at": None,
                    "created_at": "2026-10-01T12:00:00Z",
                    "updated_at": "2026-10-01T12:00:00Z",
                }
            ]
        }
    )

    id: UUID
    organisation_id: UUID
    name: str
    kind: LocationKind
    street: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country: str
    latitude: CoordinateOut | None
    longitude: CoordinateOut | None
    phone: str | None
    gln: str | None
    gln_extension: str | None
    parent_id: UUID | None
    # Since when it is no longer offered for new lots and shipments; null while active.
    archived_at: UtcDatetime | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class LocationPage(BaseModel):
    """A page of locations, newest first; pass `next_cursor` as `cursor` for the next one."""

    data: list[LocationOut]
    next_cursor: str | None


def location_json(location: Location) -> dict[str, object]:
    """A location as LocationOut renders it (a test holds them equal)."""
    return {
        "id": str(location.id),
        "organisation_id": str(location.organisation_id),
        "name": location.name,
        "kind": location.kind.value,
        "street": location.street,
        "city": location.city,
        "region": location.region,
        "postal_code": location.postal_code,
        "country": location.country,
        "latitude": _degrees_text(location.latitude),
        "longitude": _degrees_text(location.longitude),
        "phone": location.phone,
        "gln": location.gln,
        "gln_extension": location.gln_extension,
        "parent_id": str(location.parent_id) if location.parent_id else None,
        "archived_at": rfc3339(location.archived_at) if location.archived_at else None,
        "created_at": rfc3339(location.created_at),
        "updated_at": rfc3339(location.updated_at),
    }


def _degrees_text(value: Decimal | None) -> str | None:
    return f"{value:.6f}" if value is not None else None
