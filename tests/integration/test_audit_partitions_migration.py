"""Migration 14 on an audit trail the API keeps writing: `audit_logs` becomes a table partitioned
by month, with no write refused, lost or held a second, and stays append-only; the daily job
then makes the months ahead, and moves in any row that came before its month had a partition."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.infrastructure.db.partitions import DEFAULT, month_start, partition_name
from tests.support.backends import Backends, Database
from tests.support.old_schema import assert_refused, database_before, fetch, migrate
from tests.support.server import run_module
from tests.support.writes import audit_fill, execute, record, writes

pytestmark = pytest.mark.integration

ROWS = 200_000
ENTRY = (
    "INSERT INTO audit_logs (id, at, action, request_id, metadata)"
    " VALUES ($1, $2, $3, 'r', '{}'::jsonb) RETURNING id"
)
PARTS = "SELECT tableoid::regclass::text AS part FROM audit_logs WHERE action = $1"


def partitions_of(url: str, action: str) -> list[str]:
    return sorted({row["part"] for row in fetch(url, PARTS, action)})


@pytest.fixture(scope="module")
def trail(backends: Backends, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A database before migration 14, its trail two years deep, the API's role granted what
    the migrations before gave it."""
    folder: Path = tmp_path_factory.mktemp("partitions")
    with database_before(backends.admin_database_url, folder, 14) as database:
        execute(database.owner_url, audit_fill(ROWS))
        execute(database.owner_url, f"GRANT SELECT, INSERT ON audit_logs TO {database.api_role}")
        yield database


def test_migration_14_partitions_the_trail_while_the_api_writes_it(trail: Database) -> None:
    with writes(trail.api_url, record) as seen:
        applied = migrate(trail)
    print(
        f"migration 14 on {ROWS:,} audit rows: {seen.count} writes meanwhile, longest"
        f" {seen.longest:.3f} s, waiting for the migration's locks in {len(seen.waits)} samples"
    )
    assert "14_" in applied
    assert seen.errors == []
    assert seen.longest < 1.0
    # Every row is there: the old ones and each write acknowledged.
    total = fetch(trail.owner_url, "SELECT count(*) AS n FROM audit_logs")[0]["n"]
    assert total == ROWS + seen.count
    kind = "SELECT relkind::text AS kind FROM pg_class WHERE oid = 'audit_logs'::regclass"
    assert fetch(trail.owner_url, kind)[0]["kind"] == "p"


def test_old_rows_stay_in_the_old_table_and_new_months_get_their_own(trail: Database) -> None:
    boundary = month_start(datetime.now(UTC), 2)
    later = boundary + timedelta(days=40)
    fetch(trail.owner_url, ENTRY, uuid.uuid4(), later, "x.later")

    assert partitions_of(trail.owner_url, "x.later") == [partition_name(month_start(later))]
    before = "audit_logs_before_" + partition_name(boundary).removeprefix("audit_logs_")
    assert partitions_of(trail.owner_url, "batch.created") == [before]


def test_the_partitioned_trail_stays_append_only(trail: Database) -> None:
    first = month_start(datetime.now(UTC), 2)
    month = partition_name(first)
    fetch(trail.owner_url, ENTRY, uuid.uuid4(), first, "x.first")
    # Neither its owner nor the API may change history, through the parent or a partition.
    for table in ("audit_logs", month):
        assert_refused(
            trail.owner_url,
            [
                f"UPDATE {table} SET action = 'x' WHERE true",  # noqa: S608 - a name made here
                f"DELETE FROM {table} WHERE true",  # noqa: S608 - a name made here
                f"TRUNCATE {table}",
            ],
        )
    # The API reaches the trail through the parent alone: a partition grants it nothing.
    refused = [f"SELECT 1 FROM {month}", "UPDATE audit_logs SET action = 'x'"]  # noqa: S608
    assert_refused(trail.api_url, refused)
    assert fetch(trail.api_url, "SELECT count(*) AS n FROM audit_logs")[0]["n"] > ROWS


def test_a_row_beyond_the_partitions_waits_in_the_default_one_until_its_month_is_made(
    trail: Database,
) -> None:
    now = datetime.now(UTC)
    far = month_start(now, 8) + timedelta(days=3)
    fetch(trail.owner_url, ENTRY, uuid.uuid4(), far, "x.far")
    assert partitions_of(trail.owner_url, "x.far") == [DEFAULT]

    env = {"DATABASE_URL": trail.owner_url}
    first = run_module(["partitions", "--months", "8"], env)
    again = run_module(["partitions", "--months", "8"], env)

    assert first.returncode == 0, first.stderr
    assert partition_name(month_start(now, 8)) in first.stdout
    assert again.stdout.strip() == "made: nothing (8 months ahead exist)"
    assert partitions_of(trail.owner_url, "x.far") == [partition_name(month_start(now, 8))]
