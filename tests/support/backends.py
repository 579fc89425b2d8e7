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


@contextmanager
def throwaway_database(admin_url: str) -> Iterator[str]:
    """Create a uniquely named database and drop it afterwards; never touch any other."""
    name = f"agrobridge_test_{uuid.uuid4().hex[:12]}"
    admin = with_database(admin_url, urlsplit(admin_url).path.lstrip("/") or "postgres")
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(admin_url, name)
    finally:
        asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()
