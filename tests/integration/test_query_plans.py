"""The hot reads' plans: each walks an index, and a page's order comes from its index, not a sort.

A few hundred seeded lots (tests/bench/seed_scale.py) stand in for millions: with sequential
scans (and, for ordered walks, bitmap scans) priced out, the planner shows which index a large
table's query would walk, and a read with no fitting index shows up as a Seq Scan or a Sort.
The statements are the ones the repositories send (caught at the client). docs/benchmarks.md
has the plans and timings the same reads get at a million lots.
"""

import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

import pytest
import pytest_asyncio
from tortoise import connections

from api.application.pagination import Cursor
from api.domain.audit import AuditFilter
from api.domain.batches import BatchFilter, BatchStatus
from api.infrastructure.db.audit import PgAuditLog
from api.infrastructure.db.batches import PgBatches
from api.infrastructure.db.events import PgEvents
from api.infrastructure.db.lineage import PgLineage
from api.infrastructure.db.public import PgPublicReads
from api.presentation.context import Services
from tests.bench.seed_scale import load
from tests.support.sent_sql import catching, explain, nodes

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

BIG = {"batches", "batch_events", "transactions", "audit_logs"}
FILTERS = [
    BatchFilter(),
    BatchFilter(status=BatchStatus.DELIVERED),
    BatchFilter(product="Avocado"),
    BatchFilter(created_from=date(2030, 1, 1), created_to=date(2030, 1, 7)),
]
FAR = Cursor(datetime(2030, 1, 3, tzinfo=UTC), UUID(int=2**127))


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def seeded(services: Services, owner_database_url: str) -> dict[str, Any]:
    await load(owner_database_url, 300, secrets.randbelow(10**9), 300)
    client = connections.get("default")

    async def one(sql: str) -> Any:
        rows = await client.execute_query(sql)
        return rows[1][0][0]

    return {
        "lot": await one("SELECT id FROM batches ORDER BY created_at DESC LIMIT 1"),
        "org": await one("SELECT owner_id FROM batches ORDER BY created_at DESC LIMIT 1"),
        "root": await one(
            "SELECT id FROM batches WHERE parent_id IS NULL AND status = 'split' LIMIT 1"
        ),
        "leaf": await one(
            "SELECT c.id FROM batches c JOIN batches p ON p.id = c.parent_id"
            " JOIN batches g ON g.id = p.parent_id WHERE g.parent_id IS NOT NULL LIMIT 1"
        ),
        "code": await one("SELECT public_code FROM batches WHERE published_at IS NOT NULL LIMIT 1"),
    }


async def plan(read: Callable[[], Awaitable[object]], *off: str) -> list[dict[str, Any]]:
    with catching() as seen:
        await read()
    return nodes(await explain(*seen.last(), "enable_seqscan", *off))


def scans(plan_nodes: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """(node type, index) of every read of a large table (a bitmap heap scan's index is on the
    bitmap index scan under it)."""
    out = []
    for n in plan_nodes:
        relation = str(n.get("Relation Name"))
        if relation in BIG or relation.startswith("audit_logs_"):  # or one of its partitions
            below = [c.get("Index Name") for c in n.get("Plans", ()) if "Index Name" in c]
            out.append((n["Node Type"], n.get("Index Name") or (below[0] if below else None)))
    return out


async def by_parent(walks: list[tuple[str, str | None]]) -> set[tuple[str, str | None]]:
    """`walks` with each partition's index named by the partitioned table's index it is part of:
    a page of the audit log walks that index in every month's partition, merged in order."""
    client = connections.get("default")
    out = set()
    for kind, index in walks:
        _, rows = await client.execute_query(
            "SELECT inhparent::regclass::text AS parent FROM pg_inherits"
            " WHERE inhrelid = to_regclass($1)",
            [index],
        )
        out.add((kind, rows[0]["parent"] if rows else index))
    return out


def sorts(plan_nodes: list[dict[str, Any]]) -> list[str]:
    return [n["Node Type"] for n in plan_nodes if "Sort" in n["Node Type"]]


async def test_a_lot_its_events_and_its_public_view_are_read_by_their_keys(
    seeded: dict[str, Any],
) -> None:
    by_id = await plan(lambda: PgBatches().get(seeded["lot"]))
    chain = await plan(lambda: PgEvents().chain(seeded["lot"]), "enable_bitmapscan")
    public = await plan(lambda: PgPublicReads().snapshot(seeded["code"]))
    version = await plan(lambda: PgPublicReads().version(seeded["code"]))

    assert scans(by_id) == [("Index Scan", "batches_pkey")]
    # In seq order straight from the (batch_id, seq) key.
    assert scans(chain) == [("Index Scan", "uid_batch_event_batch_i_afc2dd")]
    assert sorts(chain) == []
    assert ("Index Scan", "uid_batches_public__0b9904") in scans(public)
    assert ("Index Scan", "uid_batches_public__0b9904") in scans(version)
    assert all(kind != "Seq Scan" for kind, _ in scans(version))
    assert all(kind != "Seq Scan" for kind, _ in scans(public))


async def test_lineage_walks_the_parent_index_down_and_the_primary_key_up(
    seeded: dict[str, Any],
) -> None:
    down = await plan(lambda: PgLineage().descendants(seeded["root"]))
    up = await plan(lambda: PgLineage().ancestors(seeded["leaf"]))

    assert "idx_batches_parent_id" in {index for _, index in scans(down)}
    assert "batches_pkey" in {index for _, index in scans(up)}
    assert all(kind != "Seq Scan" for kind, _ in scans(down) + scans(up))


@pytest.mark.parametrize("filters", FILTERS, ids=["none", "status", "product", "dates"])
async def test_every_lot_is_paged_along_the_time_index_without_sorting(
    seeded: dict[str, Any], filters: BatchFilter
) -> None:
    # A product's lots have an index of their own (migration 13), in the same order; the others
    # walk the time index.
    index = "idx_batches_product_created" if filters.product else "idx_batches_created_3adf83"
    for after in (None, FAR):
        walk = await plan(partial(PgBatches().page, None, filters, after, 21), "enable_bitmapscan")

        assert scans(walk) == [("Index Scan", index)]
        assert sorts(walk) == []


@pytest.mark.parametrize("filters", FILTERS, ids=["none", "status", "product", "dates"])
async def test_an_organisations_lots_walk_its_owner_and_recipient_indexes(
    seeded: dict[str, Any], filters: BatchFilter
) -> None:
    org = seeded["org"]
    for after in (None, FAR):
        walk = await plan(
            partial(PgBatches().page, org, filters, after, 21, or_recipient=True),
            "enable_bitmapscan",
        )

        # One walk per column, each stopping after a page; the sort above them merges two
        # pages. (Which index each walks follows the statistics: on a few hundred rows the
        # recipient's may go along time; at a million lots it is the recipient index.)
        walks = scans(walk)
        assert len(walks) == 2
        assert all(kind == "Index Scan" for kind, _ in walks)
        assert str(walks[0][1]).startswith("idx_batches_owner")


async def test_the_audit_log_is_paged_along_its_time_index_from_the_cursor(
    seeded: dict[str, Any],
) -> None:
    cursor = Cursor(datetime(2030, 1, 2, tzinfo=UTC), UUID(int=2**127))
    first = await plan(lambda: PgAuditLog().page(AuditFilter(), None, 21), "enable_bitmapscan")
    deep = await plan(lambda: PgAuditLog().page(AuditFilter(), cursor, 21), "enable_bitmapscan")

    for walk in (first, deep):
        assert await by_parent(scans(walk)) == {("Index Scan", "idx_audit_logs_at_b54c86")}
        assert sorts(walk) == []
    # Each partition's walk starts at the cursor rather than filtering every newer row.
    walks = [n for n in deep if str(n.get("Relation Name")).startswith("audit_logs")]
    assert walks
    assert all("at <=" in n.get("Index Cond", "") for n in walks)


async def test_the_audit_log_filters_walk_their_own_indexes(seeded: dict[str, Any]) -> None:
    since = datetime(2030, 1, 1, tzinfo=UTC) - timedelta(days=1)
    for filters, index in (
        (AuditFilter(organisation_id=seeded["org"]), "idx_audit_logs_organis_06f12d"),
        (AuditFilter(target_id=str(seeded["lot"])), "idx_audit_logs_target__b83209"),
        (AuditFilter(action="batch.split", since=since), "idx_audit_logs_action_d4ed59"),
    ):
        walk = await plan(partial(PgAuditLog().page, filters, None, 21), "enable_bitmapscan")

        # The partition holding the rows walks the filter's index; an empty one may walk any.
        walks = await by_parent(scans(walk))
        assert ("Index Scan", index) in walks
        assert {kind for kind, _ in walks} == {"Index Scan"}
