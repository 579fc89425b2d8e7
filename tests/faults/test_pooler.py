"""Through PgBouncer in transaction mode, where one client connection's transactions run on
whichever server connection is free: the API's queries must carry no state between them."""

import asyncio
from urllib.parse import urlsplit

import asyncpg
from tortoise import Tortoise

from api.infrastructure.db.config import tortoise_config
from tests.faults.conftest import SESSION, Stack
from tests.support.pgbouncer import bouncer_url, pgbouncer
from tests.support.waiting import wait_until

CLIENTS = 40
QUERIES = ["SELECT $1::int + 1", "SELECT count(*) FROM batches WHERE quantity > $1"]


async def hammer(url: str, pooled: bool) -> list[str]:
    """CLIENTS tasks over 20 client connections, each running every query ten times; the
    errors they met."""
    await Tortoise.init(config=tortoise_config(url, 1, 20, pooled=pooled))
    connection = Tortoise.get_connection("default")

    async def client(number: int) -> list[str]:
        errors = []
        for round_ in range(10):
            for query in QUERIES:
                try:
                    await connection.execute_query(query, [number + round_])
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
        return errors

    try:
        found = await asyncio.gather(*(client(n) for n in range(CLIENTS)))
    finally:
        await Tortoise.close_connections()
    return [error for errors in found for error in errors]


def test_twenty_connections_share_two_server_connections_without_an_error(stack: Stack) -> None:
    users = {"agrobridge_api": urlsplit(stack.direct_api_url).password or ""}
    folder = stack.folder / "narrow-pgbouncer"
    with pgbouncer(folder, stack.pg_port, "agrobridge", users, pool_size=2) as port:
        url = bouncer_url(stack.direct_api_url, port)
        assert asyncio.run(hammer(url, pooled=True)) == []
        # What the pooled configuration prevents: asyncpg's named statements, prepared on one
        # server connection, are not there when the next transaction runs on the other.
        errors = asyncio.run(hammer(url, pooled=False))
    assert any("prepared statement" in error for error in errors), errors[:3]


async def shown(url: str, names: list[str]) -> dict[str, str]:
    connection = await asyncpg.connect(url, statement_cache_size=0)
    try:
        return {name: await connection.fetchval(f"SHOW {name}") for name in names}
    finally:
        await connection.close()


def test_through_pgbouncer_the_apis_sessions_keep_the_apis_timeouts(stack: Stack) -> None:
    # SESSION in milliseconds; PostgreSQL shows whole seconds in seconds.
    expected = {name: f"{int(value) // 1000}s" for name, value in SESSION.items()}
    assert asyncio.run(shown(stack.api_url, list(SESSION))) == expected


def test_after_postgresql_restarts_pgbouncers_new_sessions_keep_the_timeouts(stack: Stack) -> None:
    expected = {name: f"{int(value) // 1000}s" for name, value in SESSION.items()}
    stack.stop_postgres()
    stack.start()
    # The server connections PgBouncer held died with PostgreSQL; it opens new ones, which
    # must start with the timeouts again (a database restart or failover in production).
    found: dict[str, str] = {}

    def through_the_pooler() -> bool:
        try:
            found.update(asyncio.run(shown(stack.api_url, list(SESSION))))
        except (OSError, asyncpg.PostgresError):
            return False
        return True

    assert urlsplit(stack.api_url).port == stack.bouncer_port
    assert wait_until(through_the_pooler, seconds=30)
    assert found == expected
