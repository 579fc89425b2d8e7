"""Migration 13 on a large `batches` while the API writes to it. Its index is built
CONCURRENTLY, so no write waits for it; the same index built the plain way, on the same table
under the same writes, holds every write until the build is done."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.backends import Backends, Database
from tests.support.old_schema import database_before, fetch, migrate
from tests.support.writes import execute, fill_statements, writes

pytestmark = pytest.mark.integration

ROWS = 300_000


@pytest.fixture(scope="module")
def large(backends: Backends, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    folder: Path = tmp_path_factory.mktemp("online")
    with database_before(backends.admin_database_url, folder, 13) as database:
        execute(database.owner_url, *fill_statements(ROWS))
        yield database


def test_the_index_built_the_plain_way_holds_every_write_until_it_is_done(large: Database):
    """What the test below would see of a migration that locks the table: without this, it
    could pass on a table too small for any build to show."""
    with writes(large.owner_url) as seen:
        started = time.monotonic()
        execute(large.owner_url, 'CREATE INDEX "plain" ON batches (lower(product), created_at, id)')
        took = time.monotonic() - started
    execute(large.owner_url, 'DROP INDEX "plain"')
    print(
        f"plain CREATE INDEX on {ROWS:,} lots: {took:.2f} s; {seen.count} writes,"
        f" longest {seen.longest:.2f} s, waiting for a lock in {len(seen.waits)} samples"
    )
    assert seen.waits


def test_migration_13_builds_its_index_while_writes_go_on(large: Database):
    with writes(large.owner_url) as seen:
        before = seen.count
        started = time.monotonic()
        applied = migrate(large)
        took = time.monotonic() - started
        during = seen.count - before
    print(
        f"migration 13 on {ROWS:,} lots: {took:.2f} s; {during} writes meanwhile,"
        f" longest {seen.longest:.3f} s, waiting for a lock in {len(seen.waits)} samples"
    )
    assert "13_" in applied
    assert during > 20
    assert seen.errors == []
    assert seen.waits == []
    assert seen.longest < 1.0
    valid = fetch(
        large.owner_url,
        "SELECT indisvalid FROM pg_index"
        " WHERE indexrelid = 'idx_batches_product_created'::regclass",
    )
    assert [row["indisvalid"] for row in valid] == [True]
