"""Migration 8 on a database whose events were frozen before it: every stored EPCIS event gets
the query keys its event gives (the function the store uses), the events themselves are
untouched, and the table is append-only again afterwards."""

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.domain.epcis.query import keys_of
from tests.integration.test_epcis_migration import _seed
from tests.support.backends import Backends, Database
from tests.support.old_schema import assert_refused, database_before, fetch, migrate, runtime_rights

pytestmark = pytest.mark.integration


@pytest.fixture
def old_database(backends: Backends, tmp_path: Path) -> Iterator[Database]:
    with database_before(backends.admin_database_url, tmp_path, 7) as database:
        yield database


def test_every_stored_event_gets_its_query_keys_and_stays_as_frozen(
    old_database: Database,
) -> None:
    asyncio.run(_seed(old_database.owner_url))

    printed = migrate(old_database)

    assert "8_" in printed
    rows = fetch(old_database.owner_url, "SELECT * FROM epcis_events ORDER BY id")
    assert len(rows) >= 8
    for row in rows:
        event = json.loads(row["event"])
        keys = keys_of(event)
        assert event["eventID"] == row["event_id"]
        assert (row["event_type"], row["event_time"]) == (keys.event_type, keys.event_time)
        assert (row["biz_step"], row["disposition"]) == (keys.biz_step, keys.disposition)
        assert tuple(row["epc_classes"]) == keys.epc_classes
        assert keys.epc_classes  # every one of ours names its lot
    assert {r["event_type"] for r in rows} == {"ObjectEvent", "TransformationEvent"}
    tampering = ("UPDATE epcis_events SET biz_step = 'x'", "DELETE FROM epcis_events")
    assert_refused(old_database.owner_url, tampering)
    assert_refused(old_database.api_url, tampering)
    assert runtime_rights(old_database)["epcis_events"] == {"SELECT", "INSERT"}
