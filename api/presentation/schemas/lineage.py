from uuid import UUID

from pydantic import BaseModel

from api.domain.batches import BatchStatus, Unit
from api.domain.lineage import Lineage, Relative
from api.presentation.schemas.batches import BatchOut, QuantityOut, batch_json


class RelativeOut(BaseModel):
    id: UUID
    code: str
    parent_id: UUID | None
    product: str
    quantity: QuantityOut
    unit: Unit
    status: BatchStatus
    depth: int


class LineageOut(BaseModel):
    batch: BatchOut
    # Nearest first: the parent, then its parent.
    ancestors: list[RelativeOut]
    # By generation, then code.
    descendants: list[RelativeOut]


def _relative_json(relative: Relative) -> dict[str, object]:
    return {
        "id": str(relative.id),
        "code": relative.code,
        "parent_id": str(relative.parent_id) if relative.parent_id else None,
        "product": relative.product,
        "quantity": f"{relative.quantity:.3f}",
        "unit": relative.unit.value,
        "status": relative.status.value,
        "depth": relative.depth,
    }


def lineage_json(lineage: Lineage) -> dict[str, object]:
    return {
        "batch": batch_json(lineage.batch),
        "ancestors": [_relative_json(r) for r in lineage.ancestors],
        "descendants": [_relative_json(r) for r in lineage.descendants],
    }
