"""Databases at an earlier schema, for tests of the migrations that come after it."""

import asyncio
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from api.infrastructure.db.config import MIGRATIONS_DIR
from tests.support.backends import Database, throwaway_database
from tests.support.server import run_module

UPGRADE_TO = """
import asyncio, sys
from aerich import Command
from api.infrastructure.db.config import tortoise_config

async def main():
    config = tortoise_config(sys.argv[1], pool_max=2)
    async with Command(tortoise_config=config, app="models", location=sys.argv[2]) as command:
        await command.init()
        await command.upgrade(run_in_transaction=True)

asyncio.run(main())
"""


@contextmanager
def database_before(admin_url: str, workdir: Path, first_missing: int) -> Iterator[Database]:
    """A throwaway database migrated by every migration numbered below `first_missing`."""
    older = workdir / "migrations" / "models"
    older.mkdir(parents=True)
    for path in sorted(Path(MIGRATIONS_DIR, "models").glob("*.py")):
        if path.name.split("_", 1)[0].isdigit() and int(path.name.split("_", 1)[0]) < first_missing:
            shutil.copy(path, older)
    with throwaway_database(admin_url) as database:
        done = subprocess.run(
            [sys.executable, "-c", UPGRADE_TO, database.owner_url, str(older.parent)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        yield database


def migrate(database: Database) -> str:
    """Run the API's `migrate` to the head, granting its role; return what it printed."""
    env = {"DATABASE_URL": database.owner_url, "AGROBRIDGE_DB_RUNTIME_ROLE": database.api_role}
    result = run_module(["migrate"], env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def fetch(url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    async def rows() -> list[asyncpg.Record]:
        connection = await asyncpg.connect(url)
        try:
            return list(await connection.fetch(query, *args))
        finally:
            await connection.close()

    return asyncio.run(rows())


def assert_refused(url: str, statements: Sequence[str]) -> None:
    """Each statement fails for want of privilege: an append-only trigger, or no grant."""

    async def attempt() -> None:
        connection = await asyncpg.connect(url)
        try:
            for statement in statements:
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(attempt())


def runtime_rights(database: Database) -> dict[str, set[str]]:
    """What the API's own role may do, table by table."""
    rows = fetch(
        database.owner_url,
        "SELECT table_name, privilege_type FROM information_schema.role_table_grants"
        " WHERE grantee = $1",
        database.api_role,
    )
    granted: dict[str, set[str]] = {}
    for row in rows:
        granted.setdefault(row["table_name"], set()).add(row["privilege_type"])
    return granted
