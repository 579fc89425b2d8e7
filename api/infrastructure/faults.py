"""Exceptions that mean a dependency is unreachable rather than that our code is wrong."""

import asyncpg
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from tortoise.exceptions import DBConnectionError

UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    DBConnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
)


def dependency_name(exc: BaseException) -> str:
    module = type(exc).__module__
    if module.startswith("redis"):
        return "redis"
    return "postgres" if module.startswith(("asyncpg", "tortoise")) else "a dependency"
