"""A lot's family: the lots it was split from and the sub-lots split from it."""

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from api.domain.batches import Batch, BatchStatus, SplitKind, Unit


@dataclass(frozen=True)
class Relative:
    """A relative as anyone who may see one member of the family sees it: no owner, no farm."""

    id: UUID
    code: str
    parent_id: UUID | None
    product: str
    quantity: Decimal
    unit: Unit
    status: BatchStatus
    # Generations away: -1 the parent, -2 the grandparent; 1 a child, 2 a grandchild.
    depth: int
    # Why its parent was split (None: not split from another, or before kinds were recorded).
    split_kind: SplitKind | None = None


@dataclass(frozen=True)
class Lineage:
    batch: Batch
    ancestors: list[Relative]
    descendants: list[Relative]
