"""Real PostgreSQL and Redis for the integration and end-to-end tiers.

In order of preference: servers named by AGROBRIDGE_TEST_DATABASE_URL and
AGROBRIDGE_TEST_REDIS_URL, else containers through testcontainers when a Docker-compatible
socket answers. Each run gets its own throwaway database, dropped afterwards.
"""

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import asyncpg

NO_BACKENDS = """
The integration and end-to-end tests need a real PostgreSQL and Redis, and found neither:
  * set AGROBRIDGE_TEST_DATABASE_URL (a server where the user may CREATE DATABASE) and
    AGROBRIDGE_TEST_REDIS_URL, e.g.
      AGROBRIDGE_TEST_DATABASE_URL=postgres://postgres:secret@127.0.0.1:5432/postgres
      AGROBRIDGE_TEST_REDIS_URL=redis://127.0.0.1:6379/15
  * or make a Docker-compatible socket available (Docker, or `podman system service`
    with DOCKER_HOST=unix:///path/to/podman.sock) so that testcontainers can start them.
`just test` does the first for you when PostgreSQL and Redis are installed locally.
"""


@dataclass(frozen=True)
class Backends:
    admin_database_url: str
    redis_url: str


def docker_available() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


@contextmanager
def provide_backends() -> Iterator[Backends]:
    database_url = os.environ.get("AGROBRIDGE_TEST_DATABASE_URL")
    redis_url = os.environ.get("AGROBRIDGE_TEST_REDIS_URL")
    if database_url and redis_url:
        yield Backends(database_url, redis_url)
        return
    if not docker_available():
        raise RuntimeError(NO_BACKENDS)
    from testcontainers.community.postgres import PostgresContainer
    from testcontainers.community.redis import RedisContainer

    with ExitStack() as stack:
        postgres = stack.enter_context(
            PostgresContainer(
                os.environ.get("AGROBRIDGE_TEST_POSTGRES_IMAGE", "postgres:16-alpine"),
                username="agrobridge",
                password=uuid.uuid4().hex,
                dbname="postgres",
                driver=None,
            )
        )
        redis = stack.enter_context(
            RedisContainer(os.environ.get("AGROBRIDGE_TEST_REDIS_IMAGE", "redis:7-alpine"))
        )
        host, port = redis.get_container_host_ip(), redis.get_exposed_port(6379)
        yield Backends(postgres.get_connection_url(), f"redis://{host}:{port}/0")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    scheme = "postgres" if parts.scheme.startswith("postgres") else parts.scheme
    return urlunsplit((scheme, parts.netloc, f"/{name}", "", ""))


@dataclass(frozen=True)
class Database:
    """A throwaway database as production has it: owned by one role, used by another."""

    owner_url: str  # migrations (the tables' owner)
    api_url: str  # the API: owns nothing, has only the grants `migrate` gives it
    api_role: str


@contextmanager
def throwaway_database(admin_url: str) -> Iterator[Database]:
    """Create a uniquely named database and its two roles; drop all three afterwards."""
    suffix = uuid.uuid4().hex[:12]
    name, owner, api = (f"agrobridge_{kind}_{suffix}" for kind in ("test", "owner", "api"))
    owner_password, api_password = uuid.uuid4().hex, uuid.uuid4().hex
    admin = with_database(admin_url, urlsplit(admin_url).path.lstrip("/") or "postgres")
    asyncio.run(
        run_sql(
            admin,
            f"CREATE ROLE {owner} LOGIN PASSWORD '{owner_password}'",
            f"CREATE ROLE {api} LOGIN PASSWORD '{api_password}'",
            f'CREATE DATABASE "{name}" OWNER {owner}',
        )
    )
    try:
        # Before PostgreSQL 15 every role may create tables in `public`; nobody but the owner may.
        asyncio.run(
            run_sql(
                with_database(admin_url, name),
                f"ALTER SCHEMA public OWNER TO {owner}",
                "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
            )
        )
        yield Database(
            with_database(with_user(admin_url, owner, owner_password), name),
            with_database(with_user(admin_url, api, api_password), name),
            api,
        )
    finally:
        asyncio.run(
            run_sql(
                admin,
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                f"DROP ROLE IF EXISTS {api}",
                f"DROP ROLE IF EXISTS {owner}",
            )
        )


def migrated(database: Database) -> Database:
    """Migrate as the owner, granting the API's role its rights, as a release does."""
    from tests.support.server import run_module

    env = {"DATABASE_URL": database.owner_url, "AGROBRIDGE_DB_RUNTIME_ROLE": database.api_role}
    result = run_module(["migrate"], env)
    assert result.returncode == 0, result.stderr
    return database


def with_user(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}"))


async def run_sql(url: str, *statements: str) -> None:
    """Each statement in turn, on one connection of its own."""
    connection = await asyncpg.connect(url)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()
