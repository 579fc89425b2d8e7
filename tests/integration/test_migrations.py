"""The schema comes from the committed migrations: check what they build."""

import asyncpg
import pytest

from tests.support.server import run_module

pytestmark = pytest.mark.integration

CORE_TABLES = {"users", "batches", "transactions", "refresh_tokens", "audit_logs"}


async def test_migrations_create_the_five_core_tables(owner_database_url: str) -> None:
    connection = await asyncpg.connect(owner_database_url)
    try:
        rows = await connection.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        versions = await connection.fetch("SELECT version FROM aerich")
    finally:
        await connection.close()
    assert {row["table_name"] for row in rows} >= CORE_TABLES
    assert next(row["version"] for row in versions).startswith("0_")


def test_migrating_an_up_to_date_database_changes_nothing(owner_database_url: str) -> None:
    result = run_module(["migrate"], {"DATABASE_URL": owner_database_url})
    assert result.returncode == 0, result.stderr
    assert "nothing (up to date)" in result.stdout


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        ("UPDATE batches SET quantity = 0", "batches_quantity_positive"),
        ("UPDATE batches SET status = 'lost'", "batches_status_known"),
        ("UPDATE users SET email = upper(email)", "users_email_folded"),
        ("UPDATE transactions SET tx_hash = 'nope'", "transactions_tx_hash_format"),
    ],
)
async def test_the_database_refuses_rows_the_api_would_never_write(
    database_url: str, statement: str, constraint: str, seeded_batch: str
) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        with pytest.raises(asyncpg.CheckViolationError) as caught:
            await connection.execute(f"{statement} WHERE true")
    finally:
        await connection.close()
    assert caught.value.constraint_name == constraint
