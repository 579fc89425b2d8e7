"""A lot's family: one suite for the PostgreSQL adapter (recursive queries) and the fake the unit
and HTTP tests use (walking `parent_id`), so that the fake cannot drift from the database."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from api.application.ports import BatchRepository, LineageRepository
from api.domain.batches import Batch, SplitKind
from api.domain.lineage import Relative
from api.domain.organisations import Activity, NewOrganisation
from api.infrastructure.db.batches import PgBatches
from api.infrastructure.db.lineage import PgLineage
from api.infrastructure.db.organisations import PgOrganisations
from api.presentation.context import Services
from tests.integration.conftest import new_batch
from tests.support.fakes import FakeBatches, FakeLineage

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NOW = datetime(2031, 3, 14, 9, 26, 53, tzinfo=UTC)


@dataclass
class Store:
    batches: BatchRepository
    lineage: LineageRepository
    real: bool

    async def family(self) -> "Family":
        """root, repacked into b and a (made in that order); a divided into a1."""
        owner = uuid.uuid4()
        if self.real:
            new = NewOrganisation("Finca", "MX", frozenset({Activity.PRODUCER}))
            owner = (await PgOrganisations().add(new, NOW, owner)).id
        stem = f"FAM-{uuid.uuid4().hex[:8].upper()}"

        async def lot(
            suffix: str, parent: Batch | None = None, kind: SplitKind | None = None
        ) -> Batch:
            parent_id = parent.id if parent else None
            new = new_batch(split_kind=kind)
            return await self.batches.add(owner, new, stem + suffix, NOW, parent_id)

        root = await lot("")
        b = await lot("-B", root, SplitKind.REPACK)
        a = await lot("-A", root, SplitKind.REPACK)
        return Family(root, a, b, await lot("-A1", a, SplitKind.DIVIDE))


@dataclass
class Family:
    root: Batch
    a: Batch
    b: Batch
    a1: Batch


@pytest.fixture(params=["memory", "postgres"])
def store(request: pytest.FixtureRequest, services: Services) -> Store:
    if request.param == "memory":
        batches = FakeBatches()
        return Store(batches, FakeLineage(batches), real=False)
    return Store(PgBatches(), PgLineage(), real=True)


def relative(batch: Batch, depth: int) -> Relative:
    return Relative(batch.id, batch.code, batch.parent_id, batch.product, batch.quantity,
                    batch.unit, batch.status, depth, batch.split_kind)  # fmt: skip


async def test_ancestors_come_nearest_first(store: Store) -> None:
    f = await store.family()

    assert await store.lineage.ancestors(f.a1.id) == [relative(f.a, -1), relative(f.root, -2)]
    assert await store.lineage.ancestors(f.b.id) == [relative(f.root, -1)]
    assert await store.lineage.ancestors(f.root.id) == []
    assert await store.lineage.ancestors(uuid.uuid4()) == []


async def test_descendants_come_by_generation_then_code(store: Store) -> None:
    f = await store.family()

    assert await store.lineage.descendants(f.root.id) == [
        relative(f.a, 1),
        relative(f.b, 1),
        relative(f.a1, 2),
    ]
    assert await store.lineage.descendants(f.a.id) == [relative(f.a1, 1)]
    assert await store.lineage.descendants(f.a1.id) == []
    assert await store.lineage.descendants(uuid.uuid4()) == []
