"""Migration 7 on a database holding data from the schema before it: every batch event that is
an EPCIS event gets its form, valid under GS1's schema, its eventID GS1's hash of it, linked to
the lot's form before it through splits; batch events are untouched; the forms are append-only."""

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from api.domain.epcis.document import PREVIOUS_EVENT_ID, epcis_document
from api.domain.epcis.hashing import document_hashes
from api.domain.epcis.validation import schema_problems
from api.domain.events import BatchEvent, link, verify
from api.infrastructure.epcis_schema import load_schema
from tests.support.backends import Backends, Database
from tests.support.old_schema import assert_refused, database_before, migrate, runtime_rights

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 2, 9, 30, 0, 654321, tzinfo=UTC)
FARM_GLN, WAREHOUSE_GLN = "7501234000017", "4006381333931"


@pytest.fixture
def old_database(backends: Backends, tmp_path: Path) -> Iterator[Database]:
    with database_before(backends.admin_database_url, tmp_path, 7) as database:
        yield database


class Seed:
    """Rows as the API wrote them at schema 6, chains built with the domain's own `link`."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection
        self.clock = T0

    def tick(self) -> datetime:
        self.clock += timedelta(minutes=7, microseconds=1234)
        return self.clock

    async def organisation(self, name: str, buys: bool, gln: str | None = None) -> uuid.UUID:
        made = uuid.uuid4()
        await self.connection.execute(
            "INSERT INTO organisations (id, name, country, gln, produces, buys, created_at,"
            " updated_at) VALUES ($1, $2, 'MX', $3, $4, $5, $6, $6)",
            made, name, gln, not buys, buys, T0,
        )  # fmt: skip
        return made

    async def location(self, owner: uuid.UUID, kind: str, gln: str | None = None) -> uuid.UUID:
        made = uuid.uuid4()
        await self.connection.execute(
            "INSERT INTO locations (id, organisation_id, name, kind, country, gln, created_by,"
            " created_at, updated_at) VALUES ($1, $2, $3, $4, 'MX', $5, $2, $6, $6)",
            made, owner, kind.title(), kind, gln, T0,
        )  # fmt: skip
        return made

    async def batch(
        self, owner: uuid.UUID, status: str, quantity: str, **columns: Any
    ) -> dict[str, Any]:
        made = {"id": uuid.uuid4(), "code": f"OLD-{uuid.uuid4().hex[:8].upper()}"}
        values = {"recipient_id": None, "parent_id": None, "origin_location_id": None,
                  "ship_from_id": None, "ship_to_id": None} | columns  # fmt: skip
        await self.connection.execute(
            "INSERT INTO batches (id, code, owner_id, product, variety, origin_farm,"
            " origin_region, origin_country, harvest_date, quantity, unit, status, created_at,"
            " updated_at, recipient_id, parent_id, farm_public, public_code, published_at,"
            " origin_location_id, ship_from_id, ship_to_id) VALUES ($1, $2, $3, 'avocado',"
            " 'Hass', 'La Loma', 'Michoacan', 'MX', '2026-10-20', $4::numeric, 'kg', $5, $6, $6,"
            " $7, $8, false, $2, $6, $9, $10, $11)",
            made["id"], made["code"], owner, quantity, status, self.clock,
            values["recipient_id"], values["parent_id"], values["origin_location_id"],
            values["ship_from_id"], values["ship_to_id"],
        )  # fmt: skip
        return made | {"quantity": quantity}

    async def chain(self, batch: dict[str, Any], *steps: tuple[str, dict[str, Any]]) -> None:
        head: BatchEvent | None = None
        for kind, data in steps:
            head = link(batch["id"], head, kind, self.tick(), "producer", data)
            await self.connection.execute(
                "INSERT INTO batch_events (batch_id, seq, type, at, actor_role, data, prev_hash,"
                " hash, salt) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)",
                head.batch_id, head.seq, head.type, head.at, head.actor_role,
                json.dumps(head.data), head.prev_hash, head.hash, head.salt.hex(),
            )  # fmt: skip


def created(batch: dict[str, Any], parent: dict[str, Any] | None = None) -> tuple[str, Any]:
    data = {"code": batch["code"], "product": "avocado", "quantity": batch["quantity"]}
    return "created", data | ({"parent_id": str(parent["id"])} if parent else {})


def splits(*children: dict[str, Any]) -> tuple[str, Any]:
    parts = [{"id": str(c["id"]), "code": c["code"], "quantity": c["quantity"]} for c in children]
    return "split", {"children": parts}


async def _seed(url: str) -> dict[str, Any]:
    """A lot grown at a farm, shipped to a buyer's warehouse, delivered, anchored, split, and a
    part split again; a lot shipped before custody (no recipient); a lot cancelled."""
    connection = await asyncpg.connect(url)
    try:
        seed = Seed(connection)
        grower = await seed.organisation("Ana Farms", buys=False, gln=FARM_GLN)
        buyer = await seed.organisation("Bo Imports", buys=True)
        farm = await seed.location(grower, "farm", FARM_GLN)
        packhouse = await seed.location(grower, "packhouse")
        warehouse = await seed.location(buyer, "warehouse", WAREHOUSE_GLN)
        root = await seed.batch(
            grower, "split", "1250.500", recipient_id=buyer, origin_location_id=farm,
            ship_from_id=packhouse, ship_to_id=warehouse,
        )  # fmt: skip
        part = await seed.batch(buyer, "split", "1000.000", parent_id=root["id"])
        other = await seed.batch(buyer, "registered", "250.500", parent_id=root["id"])
        leaves = [
            await seed.batch(buyer, "registered", q, parent_id=part["id"])
            for q in ("600.000", "400.000")
        ]
        legacy = await seed.batch(grower, "in_transit", "80.000")
        cancelled = await seed.batch(grower, "cancelled", "50.000", origin_location_id=farm)
        shipped = {"recipient_id": str(buyer), "note": "truck 7", "ship_from_location_id":
                   str(packhouse), "ship_to_location_id": str(warehouse)}  # fmt: skip
        await seed.chain(
            root, created(root), ("shipped", shipped), ("delivered", {}),
            ("transaction_recorded", {"tx_hash": "0x" + "ab" * 32, "network": "polygon-amoy"}),
            splits(part, other),
        )  # fmt: skip
        await seed.chain(part, created(part, root), splits(*leaves))
        await seed.chain(other, created(other, root))
        for leaf in leaves:
            await seed.chain(leaf, created(leaf, part))
        await seed.chain(legacy, created(legacy), ("shipped", {"note": "before custody"}))
        await seed.chain(cancelled, created(cancelled), ("cancelled", {}))
        return {"root": root, "part": part, "legacy": legacy, "cancelled": cancelled,
                "buyer": buyer, "warehouse": warehouse}  # fmt: skip
    finally:
        await connection.close()


async def _fetch(url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url)
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


def _forms(url: str) -> dict[uuid.UUID, list[tuple[int, dict[str, Any]]]]:
    """Each batch's (seq, form), in the order they were frozen."""
    rows = asyncio.run(
        _fetch(url, "SELECT batch_id, seq, event_id, event FROM epcis_events ORDER BY id")
    )
    forms: dict[uuid.UUID, list[tuple[int, dict[str, Any]]]] = {}
    for row in rows:
        event = json.loads(row["event"])
        assert event["eventID"] == row["event_id"]
        forms.setdefault(row["batch_id"], []).append((row["seq"], event))
    return forms


def test_every_existing_epcis_event_gets_a_form_that_validates_and_chains(
    old_database: Database,
) -> None:
    ids = asyncio.run(_seed(old_database.owner_url))

    assert "7_" in migrate(old_database)

    frozen = _forms(old_database.owner_url)
    forms = {batch: [event for _, event in lot] for batch, lot in frozen.items()}
    root, part = forms[ids["root"]["id"]], forms[ids["part"]["id"]]
    # No form for the transaction record (seq 4) nor for sub-lots' registrations.
    assert [seq for seq, _ in frozen[ids["root"]["id"]]] == [1, 2, 3, 5]
    assert [seq for seq, _ in frozen[ids["part"]["id"]]] == [2]
    assert set(forms) == {ids[k]["id"] for k in ("root", "part", "legacy", "cancelled")}
    schema = load_schema()
    for lot in forms.values():
        document = epcis_document(lot, T0)
        assert schema_problems(document, schema) == []
        assert [e["eventID"] for e in lot] == document_hashes(document)
    # Each lot's forms link in order; the part's split links to the split that made it.
    assert [e.get(PREVIOUS_EVENT_ID) for e in root] == [None] + [e["eventID"] for e in root[:-1]]
    assert part[0][PREVIOUS_EVENT_ID] == root[-1]["eventID"]
    assert [e["bizStep"] for e in root] == [
        "creating_class_instance",
        "shipping",
        "receiving",
        "creating_class_instance",
    ]
    # What the rows said: the farm, the buyer's warehouse; nothing made up before custody.
    assert root[0]["readPoint"] == {"id": f"https://id.gs1.org/414/{FARM_GLN}"}
    assert root[2]["bizLocation"] == {"id": f"https://id.gs1.org/414/{WAREHOUSE_GLN}"}
    assert root[1]["destinationList"][0] == {
        "type": "owning_party",
        "destination": f"https://agrobridge.example/id/organisation/{ids['buyer']}",
    }
    legacy_shipment = forms[ids["legacy"]["id"]][1]
    assert "destinationList" not in legacy_shipment
    assert [e["action"] for e in forms[ids["cancelled"]["id"]]] == ["ADD", "DELETE"]


def test_batch_events_are_untouched(old_database: Database) -> None:
    asyncio.run(_seed(old_database.owner_url))
    query = "SELECT * FROM batch_events ORDER BY batch_id, seq"
    before = asyncio.run(_fetch(old_database.owner_url, query))

    migrate(old_database)

    after = asyncio.run(_fetch(old_database.owner_url, query))
    assert [dict(r) for r in after] == [dict(r) for r in before]
    chains: dict[uuid.UUID, list[BatchEvent]] = {}
    for r in after:
        event = BatchEvent(
            r["batch_id"], r["seq"], r["type"], r["at"], r["actor_role"],
            json.loads(r["data"]), r["prev_hash"], r["hash"], bytes.fromhex(r["salt"]),
        )  # fmt: skip
        chains.setdefault(r["batch_id"], []).append(event)
    assert all(verify(chain).valid for chain in chains.values())


def test_the_forms_are_append_only_and_the_api_role_may_only_add_and_read_them(
    old_database: Database,
) -> None:
    asyncio.run(_seed(old_database.owner_url))
    migrate(old_database)

    tampering = (
        "UPDATE epcis_events SET event = event || '{\"x\": 1}'::jsonb",
        "DELETE FROM epcis_events",
        "TRUNCATE epcis_events",
    )
    assert_refused(old_database.owner_url, tampering)
    assert_refused(old_database.api_url, tampering)
    assert runtime_rights(old_database)["epcis_events"] == {"SELECT", "INSERT"}
    gtins = asyncio.run(_fetch(old_database.owner_url, "SELECT gtin FROM batches"))
    assert {r["gtin"] for r in gtins} == {None}
