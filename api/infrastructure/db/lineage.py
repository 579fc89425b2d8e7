from typing import Any
from uuid import UUID

from tortoise import connections

from api.domain.batches import BatchStatus, SplitKind, Unit
from api.domain.lineage import Relative
from api.infrastructure.metrics import timed

# Splits can only nest as deep as lots are split; the bound keeps a corrupt cycle finite.
MAX_DEPTH = 64
COLUMNS = "b.id, b.code, b.parent_id, b.product, b.quantity, b.unit, b.status, b.split_kind"
ANCESTORS = f"""
WITH RECURSIVE up(id, depth) AS (
    SELECT parent_id, -1 FROM batches WHERE id = $1 AND parent_id IS NOT NULL
    UNION ALL
    SELECT b.parent_id, up.depth - 1 FROM up JOIN batches b ON b.id = up.id
    WHERE b.parent_id IS NOT NULL AND up.depth > -{MAX_DEPTH}
)
SELECT {COLUMNS}, up.depth FROM up JOIN batches b ON b.id = up.id ORDER BY up.depth DESC
"""  # noqa: S608 - constant
DESCENDANTS = f"""
WITH RECURSIVE down(id, depth) AS (
    SELECT id, 1 FROM batches WHERE parent_id = $1
    UNION ALL
    SELECT b.id, down.depth + 1 FROM down JOIN batches b ON b.parent_id = down.id
    WHERE down.depth < {MAX_DEPTH}
)
SELECT {COLUMNS}, down.depth FROM down JOIN batches b ON b.id = down.id
ORDER BY down.depth, b.code
"""  # noqa: S608 - constant


def _relative(row: dict[str, Any]) -> Relative:
    return Relative(
        id=row["id"],
        code=row["code"],
        parent_id=row["parent_id"],
        product=row["product"],
        quantity=row["quantity"],
        unit=Unit(row["unit"]),
        status=BatchStatus(row["status"]),
        depth=row["depth"],
        split_kind=row["split_kind"] and SplitKind(row["split_kind"]),
    )


class PgLineage:
    @timed("db", "lineage.ancestors")
    async def ancestors(self, batch_id: UUID) -> list[Relative]:
        rows = await connections.get("default").execute_query_dict(ANCESTORS, [batch_id])
        return [_relative(row) for row in rows]

    @timed("db", "lineage.descendants")
    async def descendants(self, batch_id: UUID) -> list[Relative]:
        rows = await connections.get("default").execute_query_dict(DESCENDANTS, [batch_id])
        return [_relative(row) for row in rows]
