"""The operator commands read settings as the API does and make accounts through its use case."""

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.support.backends import Backends, Database, migrated, throwaway_database

pytestmark = pytest.mark.integration

PASSWORD = "Orchard-Ladder-72-Quince"


@pytest.fixture(scope="module")
def database(backends: Backends) -> Iterator[Database]:
    with throwaway_database(backends.admin_database_url) as fresh:
        yield fresh


def secrets_dir(tmp_path: Path, database_url: str) -> Path:
    """What a deployment mounts: one file per variable, and no URL in the environment."""
    folder = tmp_path / "secrets"
    folder.mkdir()
    (folder / "AGROBRIDGE_DATABASE_URL").write_text(database_url)
    return folder


def cli(
    args: list[str], secrets: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if "DATABASE_URL" not in k and "REDIS_URL" not in k}
    env["AGROBRIDGE_SECRETS_DIR"] = str(secrets)
    return subprocess.run(
        [sys.executable, "-m", "api", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def rows(url: str, query: str, *args: object) -> list[asyncpg.Record]:
    async def fetch() -> list[asyncpg.Record]:
        connection = await asyncpg.connect(url)
        try:
            found: list[asyncpg.Record] = await connection.fetch(query, *args)
            return found
        finally:
            await connection.close()

    return asyncio.run(fetch())


def test_migrate_takes_the_database_url_from_the_secrets_dir(
    database: Database, tmp_path: Path
) -> None:
    done = cli(["migrate"], secrets_dir(tmp_path, database.owner_url))
    assert done.returncode == 0, done.stderr
    assert "applied:" in done.stdout


def test_create_user_registers_any_role_through_the_use_case(
    database: Database, tmp_path: Path
) -> None:
    migrated(database)
    secrets = secrets_dir(tmp_path, database.owner_url)
    email = "Ada.Auditor@Example.COM"
    made = cli(
        ["create-user", email, "--role", "auditor", "--full-name", "Ada L.", "--password-stdin"],
        secrets,
        stdin=PASSWORD + "\n",
    )
    assert made.returncode == 0, made.stderr
    (user,) = rows(database.owner_url, "SELECT id, email, role FROM users WHERE role = 'auditor'")
    assert user["email"] == "ada.auditor@example.com"
    (entry,) = rows(
        database.owner_url,
        "SELECT action, metadata, request_id FROM audit_logs WHERE target_id = $1",
        str(user["id"]),
    )
    assert entry["action"] == "auth.user.created"
    assert entry["request_id"].startswith("cli-")
    assert PASSWORD not in str(dict(entry))

    again = cli(
        ["create-user", email.lower(), "--role", "admin", "--full-name", "Ada", "--password-stdin"],
        secrets,
        stdin=PASSWORD + "\n",
    )
    assert again.returncode != 0
    assert "already" in again.stderr
    assert "Traceback" not in again.stderr

    weak = cli(
        [
            "create-user",
            "bo@example.com",
            "--role",
            "admin",
            "--full-name",
            "Bo",
            "--password-stdin",
        ],
        secrets,
        stdin="bo@example.com\n",
    )
    assert weak.returncode != 0
    assert "password" in weak.stderr
    assert not rows(database.owner_url, "SELECT 1 FROM users WHERE email = 'bo@example.com'")
