"""Exceptions that mean a dependency is unreachable, hung or saturated rather than that our
code is wrong: each becomes a 503 with Retry-After."""

import asyncpg
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from tortoise.exceptions import BaseORMException, DBConnectionError


class DependencyUnavailable(Exception):
    """Raised by our own adapters when a bounded wait on a dependency runs out."""

    def __init__(self, dependency: str, reason: str) -> None:
        super().__init__(f"{dependency}: {reason}")
        self.dependency = dependency
        self.reason = reason


POSTGRES_ERRORS: tuple[type[BaseException], ...] = (
    DBConnectionError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    # 57xxx: statement timeout, server shutting down or starting up.
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.LockNotAvailableError,
    # 25006: a database still in recovery (a restore), or made read-only for maintenance.
    asyncpg.exceptions.ReadOnlySQLTransactionError,
    # 53xxx: too many connections, out of memory or disk.
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.InterfaceError,
    # Raised when the server goes away in the middle of the client's bookkeeping.
    asyncpg.exceptions.InternalClientError,
)
REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError)
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    DependencyUnavailable,
    *POSTGRES_ERRORS,
    *REDIS_ERRORS,
    # Sockets refused or reset, and bounded waits run out, under either client.
    ConnectionError,
    TimeoutError,
)


class unavailable_as:
    """Inside an adapter call: a dependency out of reach leaves as DependencyUnavailable,
    named by the adapter that knows which one it called. A plain class, not a generator: it is
    entered on every database and Redis call, and holds no state, so one can be reused."""

    def __init__(self, dependency: str) -> None:
        self.dependency = dependency

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if isinstance(exc, DependencyUnavailable):
            return
        if isinstance(exc, UNAVAILABLE_ERRORS):
            raise DependencyUnavailable(self.dependency, type(exc).__name__) from exc
        # The ORM wraps some of the driver's errors (a read-only transaction in its own).
        if isinstance(exc, BaseORMException) and isinstance(exc.__cause__, UNAVAILABLE_ERRORS):
            raise DependencyUnavailable(self.dependency, type(exc.__cause__).__name__) from exc


def dependency_name(exc: BaseException) -> str:
    """Which backend failed: named by our adapters, else told by the client library's error."""
    if isinstance(exc, DependencyUnavailable):
        return exc.dependency
    if isinstance(exc, REDIS_ERRORS):
        return "redis"
    if isinstance(exc, POSTGRES_ERRORS):
        return "postgres"
    return "a dependency"
