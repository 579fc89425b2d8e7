"""Migrations 3 and 4 on a database that holds data from the schema before them: every existing
batch gets the chain its stored rows tell, that chain is salted, and every chain verifies, its
old hashes too."""

import asyncio
import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from api.domain.events import GENESIS, NO_SALT, BatchEvent, verify
from tests.support.backends import Backends, Database
from tests.support.old_schema import database_before, migrate

pytestmark = pytest.mark.integration

T0 = datetime(2026, 9, 1, 8, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def old_database(backends: Backends, tmp_path: Path) -> Iterator[Database]:
    with database_before(backends.admin_database_url, tmp_path, 3) as database:
        yield database


async def _seed(url: str) -> dict[str, uuid.UUID]:
    connection = await asyncpg.connect(url)
    try:
        owner = uuid.uuid4()
        await connection.execute(
            "INSERT INTO users (id, email, full_name, role, password_hash, is_active, "
            "created_at, updated_at) VALUES ($1, $2, 'Old', 'producer', 'x', true, $3, $3)",
            owner,
            f"old-{owner.hex[:8]}@example.com",
            T0,
        )
        ids = {}
        for n, status in enumerate(["registered", "in_transit", "delivered", "cancelled"]):
            ids[status] = batch = uuid.uuid4()
            await connection.execute(
                "INSERT INTO batches (id, code, owner_id, product, variety, origin_farm, "
                "origin_region, origin_country, harvest_date, quantity, unit, status, "
                "created_at, updated_at) VALUES ($1, $2, $3, 'avocado', 'Hass', 'La Loma', "
                "'Michoacan', 'MX', '2026-08-20', 1250.5, 'kg', $4, $5, $6)",
                batch, f"OLD-{n}-{batch.hex[:6].upper()}", owner, status, T0,
                T0 + timedelta(days=3),
            )  # fmt: skip
        # The delivered batch's shipment is in the audit log, with its note; its delivery is not.
        await connection.execute(
            "INSERT INTO audit_logs (id, at, actor_id, action, target_type, target_id, "
            "request_id, metadata) VALUES ($1, $2, $3, 'batch.status_changed', 'batch', $4, "
            "'old', $5::jsonb)",
            uuid.uuid4(), T0 + timedelta(days=1), owner, str(ids["delivered"]),
            json.dumps({"from": "registered", "to": "in_transit", "note": "truck 7"}),
        )  # fmt: skip
        for hours in (2, 30):
            await connection.execute(
                "INSERT INTO transactions (id, batch_id, network, tx_hash, event_type, status, "
                "created_at) VALUES ($1, $2, 'polygon-amoy', $3, 'registered', 'pending', $4)",
                uuid.uuid4(), ids["delivered"], "0x" + uuid.uuid4().hex * 2,
                T0 + timedelta(hours=hours),
            )  # fmt: skip
        return ids
    finally:
        await connection.close()


async def _chains(url: str) -> tuple[dict[uuid.UUID, list[BatchEvent]], list[asyncpg.Record]]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch("SELECT * FROM batch_events ORDER BY batch_id, seq")
        txs = await connection.fetch("SELECT * FROM transactions ORDER BY created_at")
    finally:
        await connection.close()
    chains: dict[uuid.UUID, list[BatchEvent]] = {}
    for row in rows:
        event = BatchEvent(
            row["batch_id"], row["seq"], row["type"], row["at"], row["actor_role"],
            json.loads(row["data"]), row["prev_hash"], row["hash"], bytes.fromhex(row["salt"]),
            row["legacy_hash"],
        )  # fmt: skip
        chains.setdefault(row["batch_id"], []).append(event)
    return chains, txs


def _as_it_was(chain: list[BatchEvent]) -> list[BatchEvent]:
    """The unsalted chain a holder of the data rebuilds from the legacy hashes."""
    prev, out = GENESIS, []
    for e in chain:
        assert e.legacy_hash is not None
        out.append(replace(e, salt=NO_SALT, prev_hash=prev, hash=e.legacy_hash, legacy_hash=None))
        prev = e.legacy_hash
    return out


def test_existing_batches_get_chains_that_verify(old_database: Database) -> None:
    ids = asyncio.run(_seed(old_database.owner_url))

    applied = migrate(old_database)
    assert "3_" in applied
    assert "4_" in applied
    assert "5_" in applied

    chains, txs = asyncio.run(_chains(old_database.owner_url))
    assert set(chains) == set(ids.values())
    types = {status: [e.type for e in chains[batch]] for status, batch in ids.items()}
    assert types == {
        "registered": ["created"],
        "in_transit": ["created", "shipped"],
        "delivered": [
            "created",
            "transaction_recorded",
            "shipped",
            "transaction_recorded",
            "delivered",
        ],
        "cancelled": ["created", "cancelled"],
    }
    for chain in chains.values():
        assert chain[0].prev_hash == GENESIS
        assert verify(chain).valid
        # Salted (no two salts alike), and each event keeps its unsalted hash for holders.
        assert len({e.salt for e in chain}) == len(chain)
        assert all(len(e.salt) == 32 and e.legacy_hash for e in chain)
        assert verify(_as_it_was(chain)).valid
    delivered = chains[ids["delivered"]]
    # Times come from what was stored: the audit entry for the shipment, updated_at otherwise.
    assert delivered[0].at == T0
    assert delivered[2].at == T0 + timedelta(days=1)
    assert delivered[2].data == {"note": "truck 7"}
    assert delivered[4].at == T0 + timedelta(days=3)
    assert delivered[0].data["quantity"] == "1250.500"
    # Each transaction anchors the event before it (now by its salted hash), and its own event
    # names the anchor as it was made: the hash that event had before salting.
    assert [t["anchor_hash"] for t in txs] == [delivered[0].hash, delivered[2].hash]
    assert delivered[1].data["anchor_hash"] == delivered[0].legacy_hash
    anchors = [(t["tx_hash"], t["anchor_hash"]) for t in txs]
    assert verify(delivered, anchors).valid


def test_migrated_history_cannot_be_changed(old_database: Database) -> None:
    asyncio.run(_seed(old_database.owner_url))
    migrate(old_database)

    async def tamper(url: str) -> None:
        connection = await asyncpg.connect(url)
        try:
            for statement in (
                "UPDATE batch_events SET actor_role = 'admin'",
                "DELETE FROM batch_events",
                "TRUNCATE batch_events CASCADE",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await connection.execute(statement)
            # The events' EPCIS forms name them (migration 7): PostgreSQL refuses a truncation
            # without CASCADE before the trigger is asked.
            with pytest.raises(
                (asyncpg.InsufficientPrivilegeError, asyncpg.FeatureNotSupportedError)
            ):
                await connection.execute("TRUNCATE batch_events")
        finally:
            await connection.close()

    # Neither the tables' owner (the triggers refuse) nor the API's role (no grant) may.
    asyncio.run(tamper(old_database.owner_url))
    asyncio.run(tamper(old_database.api_url))


def test_only_lots_that_were_shipped_are_public_after_the_migration(
    old_database: Database,
) -> None:
    ids = asyncio.run(_seed(old_database.owner_url))
    migrate(old_database)

    async def batches(url: str) -> dict[uuid.UUID, asyncpg.Record]:
        connection = await asyncpg.connect(url)
        try:
            rows = await connection.fetch("SELECT id, code, public_code, published_at FROM batches")
        finally:
            await connection.close()
        return {row["id"]: row for row in rows}

    rows = asyncio.run(batches(old_database.owner_url))
    published = {status: rows[batch]["published_at"] for status, batch in ids.items()}
    # Public from their shipment (the audit entry's time where there is one).
    assert published == {
        "registered": None,
        "in_transit": T0 + timedelta(days=3),
        "delivered": T0 + timedelta(days=1),
        "cancelled": None,
    }
    # Their codes were the clients' own: public only under a random suffix.
    for row in rows.values():
        code, public_code = row["code"], row["public_code"]
        assert public_code.startswith(code + ".")
        assert len(public_code) == len(code) + 13
