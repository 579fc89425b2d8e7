"""Migration 9: capture jobs are history like the events they stored (append-only, the API's role
may only add and read them), and only a captured EPCIS event may be the form of no batch event."""

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from tests.support.backends import Backends, Database
from tests.support.old_schema import assert_refused, database_before, migrate, runtime_rights

pytestmark = pytest.mark.integration

EVENT_ID = "ni:///sha-256;" + "ab" * 32 + "?ver=CBV2.0"


@pytest.fixture
def database(backends: Backends, tmp_path: Path) -> Iterator[Database]:
    with database_before(backends.admin_database_url, tmp_path, 9) as database:
        migrate(database)
        yield database


async def _one_capture(url: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        organisation, at = uuid.uuid4(), datetime.now(UTC)
        await connection.execute(
            "INSERT INTO organisations (id, name, produces, buys, created_at, updated_at)"
            " VALUES ($1, 'Coop', true, false, $2, $2)",
            organisation,
            at,
        )
        await connection.execute(
            "INSERT INTO epcis_captures (id, organisation_id, captured_by, by_client, created_at,"
            " finished_at, running, success, errors, event_ids, event_count)"
            " VALUES ($1, $2, $3, true, $4, $4, false, true, '[]', $5::jsonb, 1)",
            uuid.uuid4(),
            organisation,
            uuid.uuid4(),
            at,
            f'["{EVENT_ID}"]',
        )
    finally:
        await connection.close()


async def _observation_without_capture(url: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        with pytest.raises(asyncpg.CheckViolationError):
            await connection.execute(
                "INSERT INTO epcis_events (batch_id, seq, event_id, event, created_at,"
                " event_type, event_time, epc_classes)"
                " VALUES ($1, NULL, $2, $3::jsonb, now(), 'ObjectEvent', now(), '{}')",
                uuid.uuid4(),
                EVENT_ID,
                f'{{"eventID": "{EVENT_ID}"}}',
            )
    finally:
        await connection.close()


def test_captures_are_append_only_and_the_api_role_may_only_add_and_read_them(
    database: Database,
) -> None:
    asyncio.run(_one_capture(database.owner_url))

    tampering = (
        "UPDATE epcis_captures SET success = false",
        "DELETE FROM epcis_captures",
        # With the events that name the jobs: their foreign key refuses truncating the jobs alone.
        "TRUNCATE epcis_captures, epcis_events",
    )
    assert_refused(database.owner_url, tampering)
    assert_refused(database.api_url, tampering)
    assert runtime_rights(database)["epcis_captures"] == {"SELECT", "INSERT"}


def test_only_a_captured_event_may_be_the_form_of_no_batch_event(database: Database) -> None:
    asyncio.run(_observation_without_capture(database.api_url))
