"""Exceptions that mean a dependency is unreachable, hung or saturated rather than that our
code is wrong: each becomes a 503 with Retry-After."""

import asyncpg
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from tortoise.exceptions import DBConnectionError


class DependencyUnavailable(Exception):
    """Raised by our own adapters when a bounded wait on a dependency runs out."""

    def __init__(self, dependency: str, reason: str) -> None:
        super().__init__(f"{dependency}: {reason}")
        self.dependency = dependency
        self.reason = reason


UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    DependencyUnavailable,
    DBConnectionError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    # 57xxx: statement timeout, server shutting down or starting up.
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.LockNotAvailableError,
    # 53xxx: too many connections, out of memory or disk.
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.InterfaceError,
    # Raised when the server goes away in the middle of the client's bookkeeping.
    asyncpg.exceptions.InternalClientError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
)


CLIENT_MODULES = {"redis": "redis", "asyncpg": "postgres", "tortoise": "postgres"}


def dependency_name(exc: BaseException) -> str:
    """Which backend failed, judged by the client library that raised or was running."""
    if isinstance(exc, DependencyUnavailable):
        return exc.dependency
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
