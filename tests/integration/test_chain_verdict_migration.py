"""Migration 12 on a database holding chains made before it: each batch's chain is verified once
and its verdict kept with the basis it was made over, so public reads take it from then on; a
chain that was already broken is kept as broken, and a batch without events keeps none."""

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from api.domain.events import BatchEvent, link
from api.infrastructure.db.verdicts import basis
from tests.support.backends import Backends, Database
from tests.support.old_schema import database_before, fetch, migrate

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
INSERT_BATCH = (
    "INSERT INTO batches (id, code, owner_id, product, origin_farm, origin_country, harvest_date,"
    " quantity, unit, status, created_at, updated_at, farm_public, public_code)"
    " VALUES ($1, $2, $3, 'avocado', 'La Loma', 'MX', '2026-10-20', 9, 'kg', 'registered', $4,"
    " $4, false, $2)"
)
INSERT_EVENT = (
    "INSERT INTO batch_events (batch_id, seq, type, at, actor_role, data, prev_hash, hash, salt)"
    " VALUES ($1, $2, $3, $4, 'producer', $5::jsonb, $6, $7, $8)"
)
INSERT_TX = (
    "INSERT INTO transactions (id, batch_id, network, tx_hash, event_type, status, anchor_hash,"
    " created_at) VALUES ($1, $2, 'polygon', $3, 'registered', 'pending', $4, $5)"
)
TX = "0x" + "ab" * 32


@pytest.fixture
def old_database(backends: Backends, tmp_path: Path) -> Iterator[Database]:
    with database_before(backends.admin_database_url, tmp_path, 12) as database:
        yield database


async def _seed(url: str) -> tuple[dict[str, uuid.UUID], list[BatchEvent]]:
    connection = await asyncpg.connect(url)
    try:
        owner = uuid.uuid4()
        await connection.execute(
            "INSERT INTO organisations (id, name, country, produces, buys, created_at,"
            " updated_at) VALUES ($1, 'Ana Farms', 'MX', true, false, $2, $2)",
            owner, T0,
        )  # fmt: skip
        ids = {name: uuid.uuid4() for name in ("intact", "broken", "empty")}
        for name, batch_id in ids.items():
            await connection.execute(INSERT_BATCH, batch_id, f"OLD-{name.upper()}", owner, T0)
        chains: dict[str, list[BatchEvent]] = {"intact": [], "broken": []}
        for name, chain in chains.items():
            head: BatchEvent | None = None
            for n in range(2):
                head = link(ids[name], head, "noted", T0 + timedelta(minutes=n), "producer", {})
                chain.append(head)
                # The broken chain's second event was stored with other data than it hashed.
                data = {"n": 1} if name == "broken" and n == 1 else {}
                await connection.execute(
                    INSERT_EVENT, head.batch_id, head.seq, head.type, head.at, json.dumps(data),
                    head.prev_hash, head.hash, head.salt.hex(),
                )  # fmt: skip
        intact = chains["intact"]
        await connection.execute(INSERT_TX, uuid.uuid4(), ids["intact"], TX, intact[0].hash, T0)
        return ids, intact
    finally:
        await connection.close()


def test_each_chain_is_verified_once_and_its_verdict_kept(old_database: Database) -> None:
    ids, intact = asyncio.run(_seed(old_database.owner_url))

    migrate(old_database)

    rows = fetch(
        old_database.owner_url,
        f"SELECT id, chain_verdict, chain_basis = {basis('b.id')} AS current FROM batches b",  # noqa: S608
    )
    kept = {r["id"]: (json.loads(r["chain_verdict"] or "null"), r["current"]) for r in rows}
    assert kept[ids["intact"]] == (
        {"valid": True, "length": 2, "head_hash": intact[-1].hash, "broken_at": None},
        True,
    )
    verdict, current = kept[ids["broken"]]
    assert current is True
    assert (verdict["valid"], verdict["broken_at"]) == (
        False,
        {"reason": "hash_mismatch", "seq": 2, "tx_hash": None},
    )
    assert kept[ids["empty"]] == (None, None)
