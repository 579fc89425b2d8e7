"""Migration 10 on a database holding lots split before it: their sub-lots record no kind (they
count as divided), their events keep their bytes, and the database takes a kind only for a
sub-lot, and only `divide` or `repack`."""

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from api.domain.events import BatchEvent, EventData, JsonValue, link
from tests.support.backends import Backends, Database
from tests.support.old_schema import database_before, fetch, migrate

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
INSERT_BATCH = (
    "INSERT INTO batches (id, code, owner_id, product, origin_farm, origin_country, harvest_date,"
    " quantity, unit, status, created_at, updated_at, parent_id, farm_public, public_code)"
    " VALUES ($1, $2, $3, 'avocado', 'La Loma', 'MX', '2026-10-20', $4::numeric, 'kg', $5, $6,"
    " $6, $7, false, $2)"
)
INSERT_EVENT = (
    "INSERT INTO batch_events (batch_id, seq, type, at, actor_role, data, prev_hash, hash, salt)"
    " VALUES ($1, $2, $3, $4, 'producer', $5::jsonb, $6, $7, $8)"
)


@pytest.fixture
def old_database(backends: Backends, tmp_path: Path) -> Iterator[Database]:
    with database_before(backends.admin_database_url, tmp_path, 10) as database:
        yield database


async def _seed(url: str) -> dict[str, uuid.UUID]:
    """A lot split in two, as the API recorded splits before their kind."""
    connection = await asyncpg.connect(url)
    try:
        owner = uuid.uuid4()
        await connection.execute(
            "INSERT INTO organisations (id, name, country, produces, buys, created_at,"
            " updated_at) VALUES ($1, 'Ana Farms', 'MX', true, false, $2, $2)",
            owner, T0,
        )  # fmt: skip
        ids = {name: uuid.uuid4() for name in ("root", "a", "b")}
        await connection.execute(
            INSERT_BATCH, ids["root"], "OLD-ROOT", owner, "9", "split", T0, None
        )
        children: list[JsonValue] = []
        for name in ("a", "b"):
            code = f"OLD-{name.upper()}"
            await connection.execute(
                INSERT_BATCH, ids[name], code, owner, "4.5", "registered", T0, ids["root"]
            )
            children.append({"id": str(ids[name]), "code": code, "quantity": "4.500"})
        head: BatchEvent | None = None
        steps: list[tuple[str, EventData]] = [("created", {}), ("split", {"children": children})]
        for n, (kind, data) in enumerate(steps):
            head = link(ids["root"], head, kind, T0 + timedelta(minutes=n), "producer", data)
            await connection.execute(
                INSERT_EVENT, head.batch_id, head.seq, head.type, head.at, json.dumps(data),
                head.prev_hash, head.hash, head.salt.hex(),
            )  # fmt: skip
        return ids
    finally:
        await connection.close()


def _refused(url: str, statement: str, *args: Any) -> bool:
    async def attempt() -> bool:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute(statement, *args)
        except asyncpg.CheckViolationError:
            return True
        finally:
            await connection.close()
        return False

    return asyncio.run(attempt())


def test_earlier_sub_lots_record_no_kind_and_earlier_events_keep_their_bytes(
    old_database: Database,
) -> None:
    ids = asyncio.run(_seed(old_database.owner_url))
    query = "SELECT * FROM batch_events ORDER BY batch_id, seq"
    before = fetch(old_database.owner_url, query)

    migrate(old_database)

    assert [dict(r) for r in fetch(old_database.owner_url, query)] == [dict(r) for r in before]
    kinds = fetch(old_database.owner_url, "SELECT id, split_kind FROM batches")
    assert {r["id"]: r["split_kind"] for r in kinds} == {
        ids["root"]: None,
        ids["a"]: None,
        ids["b"]: None,
    }


def test_the_database_takes_a_kind_only_for_a_sub_lot_and_only_a_known_one(
    old_database: Database,
) -> None:
    ids = asyncio.run(_seed(old_database.owner_url))
    migrate(old_database)
    update = "UPDATE batches SET split_kind = $1 WHERE id = $2"

    assert _refused(old_database.api_url, update, "divide", ids["root"])
    assert _refused(old_database.api_url, update, "shred", ids["a"])
    assert not _refused(old_database.api_url, update, "repack", ids["a"])
    rows = fetch(old_database.owner_url, "SELECT split_kind FROM batches WHERE id = $1", ids["a"])
    assert rows[0]["split_kind"] == "repack"
