"""Our lots' events as the FSMA records need them: plain values, read from wherever they are
kept (a registration, a shipment, its delivery, a split), with the places already described."""

from dataclasses import dataclass
from datetime import date, datetime

from api.domain.fsma.descriptions import (
    Business,
    LocationDescription,
    ProductDescription,
    Quantity,
    ReferenceDocument,
)
from api.domain.fsma.lots import LotIdentity, SplitKind
from api.domain.locations import LocationKind


@dataclass(frozen=True)
class Cooling:
    """Where and when the food was cooled before it was packed."""

    location: LocationDescription | None
    on: date | None


@dataclass(frozen=True)
class Received:
    """What an initial packer received to pack: when, and how much."""

    on: date | None
    quantity: Quantity | None


@dataclass(frozen=True)
class Registration:
    """A lot registered at a site: harvested there (a farm, a field, or no site named), or
    initially packed there (a packhouse), its code assigned there."""

    lot_code: str
    product: ProductDescription
    quantity: Quantity | None
    harvest_date: date | None
    registered_at: datetime
    site_kind: LocationKind | None
    site: LocationDescription | None
    # The farm it was harvested at when the site is not that farm (a field's farm, a packer's
    # grower), and the field when the site is not that field.
    farm: LocationDescription | None = None
    field_name: str | None = None
    # Who harvested it, for the initial packer; the farm's business when not given.
    harvester: Business | None = None
    cooling: Cooling | None = None
    received: Received | None = None
    # Where the harvested (and cooled) food went next: the packer, most often.
    next_recipient: LocationDescription | None = None
    reference: ReferenceDocument | None = None


@dataclass(frozen=True)
class Shipment:
    """A lot shipped (our `shipped`), under its traceability lot code."""

    lot: LotIdentity
    product: ProductDescription
    quantity: Quantity | None
    shipped_at: datetime
    ship_from: LocationDescription | None
    ship_to: LocationDescription | None
    reference: ReferenceDocument | None = None


@dataclass(frozen=True)
class Receipt:
    """A lot received (our `delivered`): the buyer confirms it arrived."""

    lot: LotIdentity
    product: ProductDescription
    quantity: Quantity | None
    received_at: datetime
    previous_source: LocationDescription | None
    receiving_location: LocationDescription | None
    reference: ReferenceDocument | None = None


@dataclass(frozen=True)
class SplitPart:
    code: str
    quantity: Quantity | None
    # None: the parent's product (a repack into new packaging names its own).
    product: ProductDescription | None = None


@dataclass(frozen=True)
class Split:
    """A lot split into parts at a site: divided (same lot code) or repacked (new lots)."""

    kind: SplitKind
    parent: LotIdentity
    product: ProductDescription
    parts: tuple[SplitPart, ...]
    split_at: datetime
    site: LocationDescription | None
    reference: ReferenceDocument | None = None


LotEvent = Registration | Shipment | Receipt | Split
