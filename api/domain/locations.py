"""Locations: an organisation's sites (farms, fields, packhouses...), where lots come from and
go to. They are archived, never deleted: batches and their events refer to them."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from api.domain.errors import FieldIssue, ValidationFailed


class LocationKind(StrEnum):
    """What a site is: a farm, a field of one, a packhouse, a cold store..."""

    FARM = "farm"
    FIELD = "field"
    PACKHOUSE = "packhouse"
    COOLING = "cooling"
    WAREHOUSE = "warehouse"
    PROCESSING = "processing"
    STORE = "store"
    OTHER = "other"


@dataclass(frozen=True)
class Location:
    id: UUID
    organisation_id: UUID
    name: str
    kind: LocationKind
    country: str
    created_by: UUID
    created_at: datetime
    updated_at: datetime
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    phone: str | None = None
    gln: str | None = None
    # GS1 AI 254: which part of the site with this GLN (a field of a farm).
    gln_extension: str | None = None
    # The site it lies in (a field inside a farm): of the same organisation.
    parent_id: UUID | None = None
    archived_at: datetime | None = None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def usable_by(self, organisation_id: UUID) -> bool:
        """Whether the organisation may name it for something new (a parent, an origin, a
        shipment's end): its own, and not archived."""
        return self.organisation_id == organisation_id and not self.archived


@dataclass(frozen=True)
class NewLocation:
    name: str
    kind: LocationKind
    country: str
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    phone: str | None = None
    gln: str | None = None
    gln_extension: str | None = None
    parent_id: UUID | None = None


def ensure_consistent(location: Location) -> None:
    """Rules across fields, checked on the location as it would be stored (a change may break
    them with one field: removing the GLN of a location that has an extension)."""
    issues = []
    if (location.latitude is None) != (location.longitude is None):
        missing = "longitude" if location.longitude is None else "latitude"
        issues.append(FieldIssue(missing, "latitude and longitude go together: both or neither"))
    if location.gln_extension is not None and location.gln is None:
        issues.append(FieldIssue("gln_extension", "a GLN extension needs a gln"))
    if location.parent_id is not None and location.parent_id == location.id:
        issues.append(FieldIssue("parent_id", "a location cannot lie inside itself"))
    if issues:
        raise ValidationFailed("the location is not consistent", issues)
