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


CLIENT_MODULES = {"redis": "redis", "asyncpg": "postgres", "tortoise": "postgres"}


def dependency_name(exc: BaseException) -> str:
    """Which backend failed, judged by the client library that raised or was running."""
    modules = [type(exc).__module__]
    tb = exc.__traceback__
    while tb is not None:
        modules.append(str(tb.tb_frame.f_globals.get("__name__", "")))
        tb = tb.tb_next
    for module in reversed(modules):
        for prefix, name in CLIENT_MODULES.items():
            if module.startswith(prefix):
                return name
    return "a dependency"
