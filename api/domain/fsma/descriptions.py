"""What the rule means by a location description, a product description, a quantity, a reference
document and a traceability lot code source (21 CFR 1.1310), and when each is complete."""

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from api.domain.epcis.identifiers import gln_uri
from api.domain.locations import Location
from api.domain.organisations import Organisation


def filled(value: str | None) -> bool:
    return value is not None and value.strip() != ""


def _joined(parts: list[str | None], separator: str = ", ") -> str:
    return separator.join(part.strip() for part in parts if part is not None and part.strip())


@dataclass(frozen=True)
class LocationDescription:
    """A business's place: its name and phone, a street address or coordinates, city, state or
    region, postal code and country."""

    business_name: str | None
    phone: str | None
    country: str | None
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    # The site's own name (a field, "Packhouse 2") and its GS1 key, when it has them.
    site_name: str | None = None
    gln: str | None = None
    gln_extension: str | None = None

    @classmethod
    def of(cls, location: Location, business: Organisation) -> "LocationDescription":
        """A location of ours, under its organisation's name; its own phone, else the
        organisation's."""
        return cls(
            business_name=business.name,
            phone=location.phone or business.phone,
            country=location.country,
            street=location.street,
            city=location.city,
            region=location.region,
            postal_code=location.postal_code,
            latitude=location.latitude,
            longitude=location.longitude,
            site_name=location.name,
            gln=location.gln,
            gln_extension=location.gln_extension,
        )

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def missing(self) -> tuple[str, ...]:
        """The parts the rule asks for that are empty (the city, region and postal code are
        asked for even beside coordinates)."""
        return self._missing

    # Described once, however many rows name the place (the dataclass is frozen: no change
    # can make them stale).
    @cached_property
    def _missing(self) -> tuple[str, ...]:
        parts = {
            "business_name": filled(self.business_name),
            "phone": filled(self.phone),
            "street_address_or_coordinates": filled(self.street) or self.has_coordinates,
            "city": filled(self.city),
            "region": filled(self.region),
            "postal_code": filled(self.postal_code),
            "country": filled(self.country),
        }
        return tuple(name for name, present in parts.items() if not present)

    @property
    def complete(self) -> bool:
        return not self.missing()

    @property
    def reference(self) -> str | None:
        return gln_uri(self.gln, self.gln_extension or None) if self.gln else None

    def text(self) -> str:
        """One line: "Business (site); street, city, region postal code, country; coordinates;
        tel phone; GLN ..."; what is unknown is left out (and named by `missing`)."""
        return self._text

    @cached_property
    def _text(self) -> str:
        name = self.business_name or ""
        if filled(self.site_name) and self.site_name != self.business_name:
            name = f"{name} ({self.site_name})" if filled(name) else f"({self.site_name})"
        place = _joined([self.region, self.postal_code], " ")
        address = _joined([self.street, self.city, place, self.country])
        coordinates = f"{self.latitude}, {self.longitude}" if self.has_coordinates else None
        gln = f"GLN {self.gln}" + (f" ext {self.gln_extension}" if self.gln_extension else "")
        return _joined(
            [name, address, coordinates, f"tel {self.phone}" if filled(self.phone) else None,
             gln if self.gln else None],
            "; ",
        )  # fmt: skip


@dataclass(frozen=True)
class ProductDescription:
    """The product name (brand, commodity, variety) and, when known, its packaging."""

    commodity: str | None
    variety: str | None = None
    brand: str | None = None
    packaging_size: str | None = None
    packaging_style: str | None = None

    @property
    def has_commodity(self) -> bool:
        return filled(self.commodity)

    def text(self) -> str:
        return self._text

    @cached_property
    def _text(self) -> str:
        packaging = _joined([self.packaging_size, self.packaging_style], " ")
        brand = f"brand {self.brand}" if filled(self.brand) else None
        return _joined([self.commodity, self.variety, brand, packaging])


@dataclass(frozen=True)
class Business:
    """A business as the initial packer names its harvester: name and phone."""

    name: str | None
    phone: str | None

    @property
    def complete(self) -> bool:
        return filled(self.name) and filled(self.phone)

    def text(self) -> str:
        return _joined([self.name, f"tel {self.phone}" if filled(self.phone) else None], "; ")


@dataclass(frozen=True)
class Quantity:
    amount: Decimal
    unit: str

    @property
    def complete(self) -> bool:
        return self.amount.is_finite() and filled(self.unit)

    def text(self) -> str:
        return f"{self.amount:f} {self.unit}"


@dataclass(frozen=True)
class ReferenceDocument:
    """The record an event is written in: its type (bill of lading, purchase order, invoice,
    advance ship notice, production log...) and number."""

    type: str
    number: str

    @property
    def complete(self) -> bool:
        return filled(self.type) and filled(self.number)


@dataclass(frozen=True)
class TlcSource:
    """Where a traceability lot code was assigned: the place's description, a reference that
    leads to it (a GLN's Digital Link, a web address), or both."""

    location: LocationDescription | None = None
    reference: str | None = None

    @classmethod
    def at(cls, location: LocationDescription) -> "TlcSource":
        """Assigned at `location`, referenced by its GLN when it has one."""
        return cls(location, location.reference)

    @property
    def identified(self) -> bool:
        """Enough for a shipping or receiving record: a complete description or a reference."""
        return (self.location is not None and self.location.complete) or filled(self.reference)

    def text(self) -> str:
        return self._text

    @cached_property
    def _text(self) -> str:
        return _joined([self.location.text() if self.location else None, self.reference], "; ")
