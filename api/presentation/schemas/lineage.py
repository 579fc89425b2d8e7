from uuid import UUID

from pydantic import BaseModel, ConfigDict

from api.domain.batches import BatchStatus, SplitKind, Unit
from api.domain.lineage import Lineage, Relative
from api.presentation.schemas.batches import BATCH_OUT_EXAMPLE, BatchOut, QuantityOut, batch_json


class RelativeOut(BaseModel):
    """A batch this one was split from, or one split from it; `depth` counts generations."""

    id: UUID
    code: str
    parent_id: UUID | None
    product: str
    quantity: QuantityOut
    unit: Unit
    status: BatchStatus
    depth: int
    # Why its parent was split: divide or repack (null for the root, or a split made before
    # kinds were recorded).
    split_kind: SplitKind | None = None


class LineageOut(BaseModel):
    """A batch with the lots it came from and the sub-lots that came from it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "batch": BATCH_OUT_EXAMPLE,
                    "ancestors": [],
                    "descendants": [
                        {
                            "id": "7e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b",
                            "code": "AGB-2QX8-PZ4M-6TR3",
                            "parent_id": BATCH_OUT_EXAMPLE["id"],
                            "product": "avocado",
                            "quantity": "1000.000",
                            "unit": "kg",
                            "status": "registered",
                            "depth": 1,
                            "split_kind": "divide",
                        }
                    ],
                }
            ]
        }
    )

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
        "split_kind": relative.split_kind.value if relative.split_kind else None,
    }


def lineage_json(lineage: Lineage) -> dict[str, object]:
    return {
        "batch": batch_json(lineage.batch),
        "ancestors": [_relative_json(r) for r in lineage.ancestors],
        "descendants": [_relative_json(r) for r in lineage.descendants],
    }
