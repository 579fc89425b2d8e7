from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID, uuid4

from api.domain.batch_codes import public_code_for
from api.domain.errors import Conflict
from api.domain.users import Actor


class BatchStatus(StrEnum):
    """Where a batch is: `delivered`, `rejected` and `cancelled` are final."""

    REGISTERED = "registered"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    # Divided into sub-lots (POST /batches/{id}/split); the sub-lots carry on.
    SPLIT = "split"


class SplitKind(StrEnum):
    """Why a lot was split, as the split records it (docs/fsma204.md, "Lot codes")."""

    # The parts are the same food, parted to ship or sell apart: they keep the lot's code.
    DIVIDE = "divide"
    # The food was repacked (new packaging, a new product): each part is a new lot.
    REPACK = "repack"


class Unit(StrEnum):
    """The unit of a batch's quantity."""

    KG = "kg"
    T = "t"
    LB = "lb"


TRANSITIONS: dict[BatchStatus, frozenset[BatchStatus]] = {
    BatchStatus.REGISTERED: frozenset(
        {BatchStatus.IN_TRANSIT, BatchStatus.CANCELLED, BatchStatus.SPLIT}
    ),
    BatchStatus.IN_TRANSIT: frozenset({BatchStatus.DELIVERED, BatchStatus.REJECTED}),
    BatchStatus.DELIVERED: frozenset({BatchStatus.SPLIT}),
    BatchStatus.REJECTED: frozenset(),
    BatchStatus.CANCELLED: frozenset(),
    BatchStatus.SPLIT: frozenset(),
}


class IllegalTransition(Conflict):
    pass


@dataclass(frozen=True)
class Origin:
    farm: str
    country: str
    region: str | None = None


@dataclass(frozen=True)
class NewBatch:
    """What a producer supplies; the code is optional and made by the server when absent."""

    product: str
    # None: taken from the origin location (Batches.create fills it in before storing).
    origin: Origin | None
    harvest_date: date
    quantity: Decimal
    unit: Unit
    variety: str | None = None
    code: str | None = None
    # The producer's consent to show the farm's name on the public verification page.
    farm_public: bool = False
    # Public from the start (the producer's wish, or a sub-lot of a public lot).
    publish: bool = False
    # The owner's location it was grown at.
    origin_location_id: UUID | None = None
    # The product's GTIN as 14 digits (identifiers.gtin14): it names the lot in EPCIS.
    gtin: str | None = None
    # A sub-lot: why its parent was split.
    split_kind: SplitKind | None = None

    def register(
        self,
        owner_id: UUID,
        code: str,
        at: datetime,
        parent_id: UUID | None = None,
        created_by: UUID | None = None,
    ) -> "Batch":
        """The batch as it is first stored: registered, owned by the organisation `owner_id`,
        made at `at` by `created_by` (a person or a machine client)."""
        if self.origin is None:
            raise ValueError("a batch is registered with its origin")
        return Batch(
            id=uuid4(),
            code=code,
            owner_id=owner_id,
            product=self.product,
            variety=self.variety,
            origin=self.origin,
            harvest_date=self.harvest_date,
            quantity=self.quantity,
            unit=self.unit,
            status=BatchStatus.REGISTERED,
            created_at=at,
            updated_at=at,
            parent_id=parent_id,
            farm_public=self.farm_public,
            public_code=public_code_for(code),
            published_at=at if self.publish else None,
            created_by=created_by,
            origin_location_id=self.origin_location_id,
            gtin=self.gtin,
            split_kind=self.split_kind,
        )


@dataclass(frozen=True)
class Batch:
    id: UUID
    code: str
    owner_id: UUID
    product: str
    variety: str | None
    origin: Origin
    harvest_date: date
    quantity: Decimal
    unit: Unit
    status: BatchStatus
    created_at: datetime
    updated_at: datetime
    # The buyer it was shipped to (custody), the lot it was split from, the farm-name consent.
    recipient_id: UUID | None = None
    parent_id: UUID | None = None
    farm_public: bool = False
    # What its public page answers to, and since when it does (None: not public). A lot is
    # public once its holder publishes it, once it is shipped (its label travels with it), or
    # from its start when split from a public lot (docs/security.md, "When a lot becomes public").
    public_code: str = ""
    published_at: datetime | None = None
    # Who registered it: a member of the owning organisation, or its machine client.
    created_by: UUID | None = None
    # Where it was grown (the owner's location), and where its shipment left from (the
    # owner's) and goes to (the recipient's).
    origin_location_id: UUID | None = None
    ship_from_location_id: UUID | None = None
    ship_to_location_id: UUID | None = None
    # The product's GTIN, 14 digits; a sub-lot has its parent's.
    gtin: str | None = None
    # A sub-lot: why its parent was split (None for a lot that was not split from another,
    # and for sub-lots split before the kind was recorded, which count as divided).
    split_kind: SplitKind | None = None

    @property
    def organisation_id(self) -> UUID:
        """The organisation that owns it."""
        return self.owner_id

    @property
    def is_public(self) -> bool:
        return self.published_at is not None

    def publish(self, at: datetime) -> "Batch":
        return self if self.is_public else replace(self, published_at=at)

    def transition_to(
        self,
        status: BatchStatus,
        at: datetime,
        recipient_id: UUID | None = None,
        ship_from_location_id: UUID | None = None,
        ship_to_location_id: UUID | None = None,
    ) -> "Batch":
        if status not in TRANSITIONS[self.status]:
            raise IllegalTransition(f"a {self.status} batch cannot become {status}")
        moved = replace(
            self,
            status=status,
            updated_at=at,
            recipient_id=recipient_id or self.recipient_id,
            ship_from_location_id=ship_from_location_id or self.ship_from_location_id,
            ship_to_location_id=ship_to_location_id or self.ship_to_location_id,
        )
        return moved.publish(at) if status == BatchStatus.IN_TRANSIT else moved


@dataclass(frozen=True)
class BatchFilter:
    status: BatchStatus | None = None
    product: str | None = None
    created_from: date | None = None
    created_to: date | None = None


def can_read(actor: Actor, batch: Batch) -> bool:
    # Owners and recipients are organisations; a buyer sees a batch once it is shipped to it.
    viewer = reader_of(actor)
    return viewer is None or viewer in (batch.owner_id, batch.recipient_id)


def reader_of(actor: Actor) -> UUID | None:
    """The organisation whose batches (owned or received) the actor may read; None: every
    batch (auditors and admins, never their machine clients)."""
    if actor.role.reads_everything and not actor.is_client:
        return None
    return actor.org
