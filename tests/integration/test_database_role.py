"""The API's database role owns nothing and may not rewrite history (docs/security.md)."""

import asyncio

import asyncpg
import pytest

from api.infrastructure.db.grants import APPEND_ONLY_TABLES
from tests.support.backends import Backends, migrated, throwaway_database
from tests.support.server import run_module

pytestmark = pytest.mark.integration

TAMPERING = (
    "UPDATE {table} SET id = id",
    "DELETE FROM {table}",
    "TRUNCATE {table}",
    "ALTER TABLE {table} DISABLE TRIGGER ALL",
    "DROP TRIGGER IF EXISTS {table}_no_update_or_delete ON {table}",
    "ALTER TABLE {table} OWNER TO CURRENT_USER",
)


async def append_only_tables(connection: asyncpg.Connection) -> list[str]:
    rows = await connection.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1)",
        list(APPEND_ONLY_TABLES),
    )
    return sorted(row["tablename"] for row in rows)


async def test_the_api_role_cannot_tamper_with_history(database_url: str) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        tables = await append_only_tables(connection)
        assert "audit_logs" in tables
        for table in tables:
            for statement in TAMPERING:
                sql = statement.format(table=table)
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await connection.execute(sql)
            # What the API does need: write and read the trail.
            await connection.fetch(f"SELECT * FROM {table} LIMIT 1")  # noqa: S608 - fixed names
    finally:
        await connection.close()


async def test_the_api_role_is_no_superuser_and_owns_nothing(database_url: str) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        role = await connection.fetchrow(
            "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
        )
        owned = await connection.fetchval(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner"
            " WHERE r.rolname = current_user"
        )
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute("CREATE TABLE smuggled (id int)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.fetch("SELECT * FROM aerich")
    finally:
        await connection.close()
    assert not any(role.values())
    assert owned == 0


def test_migrate_refuses_a_runtime_role_that_owns_the_tables(backends: Backends) -> None:
    with throwaway_database(backends.admin_database_url) as fresh:
        migrated(fresh)
        owner = fresh.owner_url.split("://", 1)[1].split(":", 1)[0]
        env = {"DATABASE_URL": fresh.owner_url, "AGROBRIDGE_DB_RUNTIME_ROLE": owner}
        result = run_module(["migrate"], env)
    assert result.returncode != 0
    assert "AGROBRIDGE_DB_RUNTIME_ROLE" in result.stderr
    assert "owns tables" in result.stderr


async def _read_until(url: str, done: asyncio.Event) -> list[str]:
    """Read as the API's role until `done`; the refusals met on the way."""
    refused: list[str] = []
    connection = await asyncpg.connect(url)
    try:
        while not done.is_set():
            try:
                await connection.fetchval("SELECT count(*) FROM batches")
            except asyncpg.InsufficientPrivilegeError as exc:
                refused.append(str(exc))
    finally:
        await connection.close()
    return refused


def test_a_migrate_while_the_api_serves_never_takes_its_rights_away(backends: Backends) -> None:
    # A release migrates while the previous release serves; its grants are recomputed then.
    with throwaway_database(backends.admin_database_url) as fresh:
        migrated(fresh)
        env = {"DATABASE_URL": fresh.owner_url, "AGROBRIDGE_DB_RUNTIME_ROLE": fresh.api_role}

        async def migrate_while_reading() -> list[str]:
            done = asyncio.Event()
            reader = asyncio.create_task(_read_until(fresh.api_url, done))
            for _ in range(4):
                result = await asyncio.to_thread(run_module, ["migrate"], env)
                assert result.returncode == 0, result.stderr
            done.set()
            return await reader

        refused = asyncio.run(migrate_while_reading())
    assert refused == []
