"""Migration 6 on a database holding data from the schema before it: every person gets an
organisation of their own holding what they held, their batches' custody and events carry
over, every chain still verifies with the hashes it had, and history stays append-only."""

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from api.domain.events import BatchEvent, link, verify
from tests.support.backends import Backends, Database
from tests.support.old_schema import assert_refused, database_before, migrate, runtime_rights

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 2, 9, 30, 0, 654321, tzinfo=UTC)
NEW_TABLES = ("organisations", "invitations", "locations", "api_clients", "client_secrets")


@pytest.fixture
def old_database(backends: Backends, tmp_path: Path) -> Iterator[Database]:
    with database_before(backends.admin_database_url, tmp_path, 6) as database:
        yield database


async def _user(connection: asyncpg.Connection, role: str, name: str) -> uuid.UUID:
    user = uuid.uuid4()
    await connection.execute(
        "INSERT INTO users (id, email, full_name, role, password_hash, is_active, created_at,"
        " updated_at) VALUES ($1, $2, $3, $4, 'x', true, $5, $5)",
        user, f"{role}-{user.hex[:8]}@example.com", name, role, T0,
    )  # fmt: skip
    return user


async def _batch(
    connection: asyncpg.Connection,
    owner: uuid.UUID,
    status: str,
    country: str,
    recipient: uuid.UUID | None = None,
) -> uuid.UUID:
    batch = uuid.uuid4()
    code = f"OLD-{batch.hex[:8].upper()}"
    await connection.execute(
        "INSERT INTO batches (id, code, owner_id, product, variety, origin_farm, origin_region,"
        " origin_country, harvest_date, quantity, unit, status, created_at, updated_at,"
        " recipient_id, farm_public, public_code, published_at) VALUES ($1, $2, $3, 'avocado',"
        " 'Hass', 'La Loma', 'Michoacan', $4, '2026-10-20', 1250.5, 'kg', $5, $6, $6, $7,"
        " false, $2, $8)",
        batch, code, owner, country, status, T0, recipient, T0 if recipient else None,
    )  # fmt: skip
    head = link(batch, None, "created", T0, "producer", {"code": code, "quantity": "1250.500"})
    chain = [head]
    if recipient is not None:
        chain.append(
            link(batch, head, "shipped", T0 + timedelta(hours=1), "producer",
                 {"recipient_id": str(recipient), "note": "truck 7"})
        )  # fmt: skip
    for e in chain:
        await connection.execute(
            "INSERT INTO batch_events (batch_id, seq, type, at, actor_role, data, prev_hash,"
            " hash, salt) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)",
            e.batch_id, e.seq, e.type, e.at, e.actor_role, json.dumps(e.data), e.prev_hash,
            e.hash, e.salt.hex(),
        )  # fmt: skip
    await connection.execute(
        "INSERT INTO transactions (id, batch_id, network, tx_hash, event_type, status,"
        " anchor_hash, created_at) VALUES ($1, $2, 'polygon-amoy', $3, 'registered', 'pending',"
        " $4, $5)",
        uuid.uuid4(), batch, "0x" + uuid.uuid4().hex * 2, chain[-1].hash, T0,
    )  # fmt: skip
    return batch


async def _seed(url: str) -> dict[str, uuid.UUID]:
    connection = await asyncpg.connect(url)
    try:
        ids = {
            "producer": await _user(connection, "producer", "Ana Farms"),
            "buyer": await _user(connection, "buyer", "Bo Imports"),
            "admin": await _user(connection, "admin", "Cy"),
        }
        ids["kept"] = await _batch(connection, ids["producer"], "registered", "CO")
        ids["shipped"] = await _batch(connection, ids["producer"], "in_transit", "MX", ids["buyer"])
        ids["also_shipped"] = await _batch(
            connection, ids["producer"], "delivered", "MX", ids["buyer"]
        )
        await connection.execute(
            "INSERT INTO audit_logs (id, at, actor_id, action, target_type, target_id,"
            " request_id, metadata) VALUES ($1, $2, $3, 'batch.created', 'batch', $4, 'old',"
            " '{}'::jsonb)",
            uuid.uuid4(), T0, ids["producer"], str(ids["kept"]),
        )  # fmt: skip
        return ids
    finally:
        await connection.close()


async def _fetch(url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url)
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


def _chains(rows: list[asyncpg.Record]) -> dict[uuid.UUID, list[BatchEvent]]:
    chains: dict[uuid.UUID, list[BatchEvent]] = {}
    for row in rows:
        event = BatchEvent(
            row["batch_id"], row["seq"], row["type"], row["at"], row["actor_role"],
            json.loads(row["data"]), row["prev_hash"], row["hash"], bytes.fromhex(row["salt"]),
            row["legacy_hash"],
        )  # fmt: skip
        chains.setdefault(row["batch_id"], []).append(event)
    return chains


def test_every_person_gets_an_organisation_holding_what_they_held(
    old_database: Database,
) -> None:
    ids = asyncio.run(_seed(old_database.owner_url))
    url = old_database.owner_url
    events_before = asyncio.run(_fetch(url, "SELECT * FROM batch_events ORDER BY batch_id, seq"))
    batches_before = asyncio.run(_fetch(url, "SELECT * FROM batches ORDER BY id"))

    assert "6_" in migrate(old_database)

    orgs = {r["id"]: r for r in asyncio.run(_fetch(url, "SELECT * FROM organisations"))}
    assert set(orgs) == {ids["producer"], ids["buyer"], ids["admin"]}
    producer, buyer, admin = orgs[ids["producer"]], orgs[ids["buyer"]], orgs[ids["admin"]]
    assert (producer["name"], producer["produces"], producer["buys"]) == ("Ana Farms", True, False)
    assert (buyer["name"], buyer["produces"], buyer["buys"]) == ("Bo Imports", False, True)
    assert (admin["produces"], admin["buys"]) == (False, False)
    # The country its batches come from most often; none known for an organisation without.
    assert producer["country"] == "MX"
    assert buyer["country"] is None
    members = asyncio.run(_fetch(url, "SELECT organisation_id, user_id, role FROM memberships"))
    assert {(m["organisation_id"], m["user_id"], m["role"]) for m in members} == {
        (user, user, "owner") for user in (ids["producer"], ids["buyer"], ids["admin"])
    }

    # Batches: owned and held by the same ids, now organisations; nothing else moved.
    batches_after = asyncio.run(_fetch(url, "SELECT * FROM batches ORDER BY id"))
    assert len(batches_after) == len(batches_before) == 3
    for before, after in zip(batches_before, batches_after, strict=True):
        assert {k: after[k] for k in dict(before)} == dict(before)
        assert after["created_by"] == before["owner_id"]
    shipped = next(b for b in batches_after if b["id"] == ids["shipped"])
    assert shipped["recipient_id"] == ids["buyer"]

    # Events: not one row changed, and every chain verifies with its anchors.
    events_after = asyncio.run(_fetch(url, "SELECT * FROM batch_events ORDER BY batch_id, seq"))
    assert [r["hash"] for r in events_after] == [r["hash"] for r in events_before]
    assert [json.loads(r["data"]) for r in events_after] == [
        json.loads(r["data"]) for r in events_before
    ]
    txs = asyncio.run(_fetch(url, "SELECT * FROM transactions"))
    assert {t["organisation_id"] for t in txs} == {ids["producer"]}
    for batch, chain in _chains(events_after).items():
        anchors = [(t["tx_hash"], t["anchor_hash"]) for t in txs if t["batch_id"] == batch]
        assert verify(chain, anchors).valid


def test_batches_now_belong_to_organisations_only(old_database: Database) -> None:
    ids = asyncio.run(_seed(old_database.owner_url))
    migrate(old_database)

    async def attempt(url: str) -> None:
        connection = await asyncpg.connect(url)
        try:
            stranger = uuid.uuid4()  # neither a person nor an organisation
            with pytest.raises(asyncpg.ForeignKeyViolationError):
                await connection.execute(
                    "UPDATE batches SET owner_id = $1 WHERE id = $2", stranger, ids["kept"]
                )
            with pytest.raises(asyncpg.ForeignKeyViolationError):
                await connection.execute(
                    "UPDATE batches SET recipient_id = $1 WHERE id = $2", stranger, ids["kept"]
                )
            org = uuid.uuid4()
            await connection.execute(
                "INSERT INTO organisations (id, name, country, produces, buys, created_at,"
                " updated_at) VALUES ($1, 'Packhouse', 'MX', false, true, now(), now())",
                org,
            )
            # An organisation that is no person can hold a batch now.
            await connection.execute(
                "UPDATE batches SET recipient_id = $1 WHERE id = $2", org, ids["kept"]
            )
        finally:
            await connection.close()

    asyncio.run(attempt(old_database.api_url))


def test_history_stays_append_only_and_the_api_role_reaches_the_new_tables(
    old_database: Database,
) -> None:
    asyncio.run(_seed(old_database.owner_url))
    migrate(old_database)

    tampering = (
        "UPDATE batch_events SET organisation_id = batch_id",
        "DELETE FROM batch_events",
        "UPDATE audit_logs SET organisation_id = actor_id",
    )
    assert_refused(old_database.owner_url, tampering)
    assert_refused(old_database.api_url, tampering)
    granted = runtime_rights(old_database)
    for table in NEW_TABLES:
        assert granted[table] == {"SELECT", "INSERT", "UPDATE"}, table
    # Leaving an organisation deletes a membership; nothing else is ever deleted.
    assert granted["memberships"] == {"SELECT", "INSERT", "UPDATE", "DELETE"}
    assert granted["batch_events"] == {"SELECT", "INSERT"}
