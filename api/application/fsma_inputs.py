"""Our stored batch events as the FSMA 204 mapping's inputs (docs/fsma204.md): the lot, its
product and quantity, and the places named, read once per export.

- a lot's registration (not a sub-lot's: its split is its record) happened at its origin
  location, in the farm it lies in when that is a field; where it went next is its shipment's
  ship-to;
- a shipment leaves its ship-from for its ship-to, under the document it names; its delivery
  is received there, under the same document;
- a split happens where the lot was: the ship-to of its delivery, else its origin;
- a lot's traceability lot code is its own code, assigned where it was registered, unless it is
  a part of a divided lot (a split recorded as `divide`, or before kinds were recorded): then
  it is its parent's (`after_split`). A repacked part's code was assigned at the split's site.

A place without a location (a shipment naming only the buyer, a lot with an origin only in
words) is described by what is known (the organisation's name, phone and country, or the origin
as written): the row then names what the description lacks, never leaves it blank.
"""

from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar
from uuid import UUID

from api.application.ports import BatchRepository, LocationRepository, OrganisationRepository
from api.domain.batches import Batch, SplitKind
from api.domain.custody import EventType
from api.domain.events import EventData
from api.domain.fsma.descriptions import (
    LocationDescription,
    ProductDescription,
    Quantity,
    ReferenceDocument,
    TlcSource,
)
from api.domain.fsma.events import LotEvent, Receipt, Registration, Shipment, Split, SplitPart
from api.domain.fsma.lots import LotIdentity, after_split
from api.domain.fsma.sources import StoredEvent
from api.domain.locations import Location, LocationKind
from api.domain.organisations import Organisation

K = TypeVar("K")
V = TypeVar("V")

# Entries each cache keeps: an export names few places and lots many times over; a huge one
# names many, and its caches start over rather than grow.
CACHE_ENTRIES = 4096


class _Cache(Generic[K, V]):
    def __init__(self) -> None:
        self.values: dict[K, V] = {}

    def get(self, key: K) -> tuple[bool, V | None]:
        return (key in self.values, self.values.get(key))

    def put(self, key: K, value: V) -> V:
        if len(self.values) >= CACHE_ENTRIES:
            self.values.clear()
        self.values[key] = value
        return value


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None


def reference_of(data: EventData | None) -> ReferenceDocument | None:
    document = (data or {}).get("reference_document")
    if not isinstance(document, dict):
        return None
    kind, number = document.get("type"), document.get("number")
    if isinstance(kind, str) and isinstance(number, str):
        return ReferenceDocument(kind, number)
    return None


def product_of(batch: Batch) -> ProductDescription:
    return ProductDescription(batch.product, batch.variety)


def quantity_of(batch: Batch) -> Quantity:
    return Quantity(batch.quantity, batch.unit.value)


def split_kind_of(data: EventData) -> SplitKind:
    """A split recorded before kinds were counts as a divide (the split route's default)."""
    kind = data.get("kind")
    return SplitKind(kind) if kind in (SplitKind.DIVIDE, SplitKind.REPACK) else SplitKind.DIVIDE


def _parts(data: EventData, unit: str) -> tuple[SplitPart, ...]:
    children = data.get("children")
    parts = []
    for child in children if isinstance(children, list) else []:
        if not isinstance(child, dict) or not isinstance(child.get("code"), str):
            continue
        try:
            amount: Decimal | None = Decimal(str(child.get("quantity")))
        except InvalidOperation:
            amount = None
        quantity = Quantity(amount, unit) if amount is not None else None
        parts.append(SplitPart(str(child["code"]), quantity))
    return tuple(parts)


class Reader:
    """Reads what one export's events name, each thing once (within the caches' bounds)."""

    def __init__(
        self,
        batches: BatchRepository,
        locations: LocationRepository,
        organisations: OrganisationRepository,
    ) -> None:
        self._batches, self._locations, self._organisations = batches, locations, organisations
        self._batch: _Cache[UUID, Batch | None] = _Cache()
        self._location: _Cache[UUID, Location | None] = _Cache()
        self._organisation: _Cache[UUID, Organisation | None] = _Cache()
        self._place: _Cache[tuple[UUID | None, UUID | None], LocationDescription | None] = _Cache()
        self._lot: _Cache[UUID, LotIdentity] = _Cache()

    async def inputs(self, stored: StoredEvent) -> list[LotEvent]:
        """The mapping's inputs one stored event makes (none for a sub-lot's creation)."""
        batch, data = stored.batch, stored.data
        match stored.type:
            case EventType.CREATED if batch.parent_id is None:
                return [await self._registration(stored)]
            case EventType.SHIPPED:
                ship_from, ship_to, recipient = self._ends(batch, data)
                return [
                    Shipment(
                        await self.lot(batch), product_of(batch), quantity_of(batch), stored.at,
                        await self.place(ship_from, batch.owner_id),
                        await self.place(ship_to, recipient), reference_of(data),
                    )
                ]  # fmt: skip
            case EventType.DELIVERED:
                ship_from, ship_to, recipient = self._ends(batch, stored.shipment or {})
                return [
                    Receipt(
                        await self.lot(batch), product_of(batch), quantity_of(batch), stored.at,
                        await self.place(ship_from, batch.owner_id),
                        await self.place(ship_to, recipient),
                        reference_of(data) or reference_of(stored.shipment),
                    )
                ]  # fmt: skip
            case EventType.SPLIT:
                return [
                    Split(
                        split_kind_of(data), await self.lot(batch), product_of(batch),
                        _parts(data, batch.unit.value), stored.at, await self.site(batch),
                    )
                ]  # fmt: skip
        return []

    @staticmethod
    def _ends(batch: Batch, data: EventData) -> tuple[UUID | None, UUID | None, UUID | None]:
        """A shipment's ship-from, ship-to and recipient: as its event names them, else as
        the batch holds them (a batch ships once)."""
        return (
            _uuid(data.get("ship_from_location_id")) or batch.ship_from_location_id,
            _uuid(data.get("ship_to_location_id")) or batch.ship_to_location_id,
            _uuid(data.get("recipient_id")) or batch.recipient_id,
        )

    async def _registration(self, stored: StoredEvent) -> Registration:
        batch = stored.batch
        site = await self.origin(batch)
        location = await self.location(batch.origin_location_id)
        farm = None
        if location is not None and location.kind is LocationKind.FIELD:
            farm = await self.place(location.parent_id, None)
        shipped = batch.recipient_id is not None
        next_recipient = (
            await self.place(batch.ship_to_location_id, batch.recipient_id) if shipped else None
        )
        return Registration(
            lot_code=batch.code,
            product=product_of(batch),
            quantity=quantity_of(batch),
            harvest_date=batch.harvest_date,
            registered_at=stored.at,
            site_kind=location.kind if location else None,
            site=site,
            farm=farm,
            next_recipient=next_recipient,
        )

    async def batch(self, batch_id: UUID) -> Batch | None:
        found, batch = self._batch.get(batch_id)
        return batch if found else self._batch.put(batch_id, await self._batches.get(batch_id))

    async def location(self, location_id: UUID | None) -> Location | None:
        if location_id is None:
            return None
        found, location = self._location.get(location_id)
        if found:
            return location
        return self._location.put(location_id, await self._locations.get(location_id))

    async def organisation(self, organisation_id: UUID) -> Organisation | None:
        found, organisation = self._organisation.get(organisation_id)
        if found:
            return organisation
        fetched = await self._organisations.get(organisation_id)
        return self._organisation.put(organisation_id, fetched)

    async def place(
        self, location_id: UUID | None, organisation_id: UUID | None
    ) -> LocationDescription | None:
        """The location described under its organisation; without one, the organisation as
        far as it is known; None when neither is named."""
        key = (location_id, organisation_id)
        found, place = self._place.get(key)
        if found:
            return place
        return self._place.put(key, await self._describe(location_id, organisation_id))

    async def _describe(
        self, location_id: UUID | None, organisation_id: UUID | None
    ) -> LocationDescription | None:
        location = await self.location(location_id)
        if location is not None:
            business = await self.organisation(location.organisation_id)
            if business is not None:
                return LocationDescription.of(location, business)
        business = await self.organisation(organisation_id) if organisation_id else None
        if business is None:
            return None
        return LocationDescription(business.name, business.phone, business.country)

    async def origin(self, batch: Batch) -> LocationDescription | None:
        """Where the lot was registered: its origin location, else its origin as written."""
        if batch.origin_location_id is not None:
            return await self.place(batch.origin_location_id, batch.owner_id)
        origin = batch.origin
        return LocationDescription(
            business_name=origin.farm, phone=None, country=origin.country, region=origin.region
        )

    async def site(self, batch: Batch) -> LocationDescription | None:
        """Where the lot was when it was split: where it was delivered, else its origin."""
        if batch.recipient_id is not None:
            return await self.place(batch.ship_to_location_id, batch.recipient_id)
        return await self.origin(batch)

    async def lot(self, batch: Batch) -> LotIdentity:
        """The lot's traceability lot code and its source."""
        found, lot = self._lot.get(batch.id)
        if found and lot is not None:
            return lot
        parent = await self.batch(batch.parent_id) if batch.parent_id else None
        if parent is None:
            origin = await self.origin(batch)
            lot = LotIdentity(batch.code, TlcSource.at(origin) if origin else None)
        else:
            site = await self.site(parent)
            kind = batch.split_kind or SplitKind.DIVIDE
            source = TlcSource.at(site) if site else None
            lot = after_split(kind, await self.lot(parent), batch.code, source)
        return self._lot.put(batch.id, lot)
