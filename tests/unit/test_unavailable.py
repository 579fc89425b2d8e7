"""An unreachable backend is named by the adapter that called it, whatever the client raised."""

import asyncpg
import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from tortoise.exceptions import IntegrityError, TransactionManagementError

from api.infrastructure.faults import DependencyUnavailable, dependency_name
from api.infrastructure.metrics import timed


@timed("db", "test.read")
async def database_call(error: BaseException) -> None:
    raise error


@timed("redis", "test.read")
async def redis_call(error: BaseException) -> None:
    raise error


@pytest.mark.parametrize(
    ("call", "error", "named"),
    [
        (database_call, asyncpg.exceptions.ConnectionDoesNotExistError("gone"), "postgres"),
        # Builtins say nothing of who raised them: the adapter does.
        (database_call, ConnectionRefusedError(111, "refused"), "postgres"),
        (database_call, TimeoutError(), "postgres"),
        (redis_call, TimeoutError(), "redis"),
        (redis_call, RedisConnectionError("refused"), "redis"),
    ],
)
async def test_an_adapter_names_the_backend_it_could_not_reach(call, error, named) -> None:
    with pytest.raises(DependencyUnavailable) as raised:
        await call(error)
    assert dependency_name(raised.value) == named
    assert raised.value.__cause__ is error


async def test_errors_that_are_not_about_reachability_pass_unchanged() -> None:
    duplicate = asyncpg.exceptions.UniqueViolationError("duplicate key")
    with pytest.raises(asyncpg.exceptions.UniqueViolationError):
        await database_call(duplicate)


def read_only() -> TransactionManagementError:
    """What the ORM raises for a write to a database still in recovery (a restore)."""
    driver = asyncpg.exceptions.ReadOnlySQLTransactionError(
        "cannot execute INSERT in a read-only transaction"
    )
    try:
        raise TransactionManagementError(driver) from driver
    except TransactionManagementError as wrapped:
        return wrapped


async def test_a_database_in_recovery_is_unavailable_not_a_bug() -> None:
    with pytest.raises(DependencyUnavailable) as raised:
        await database_call(read_only())
    assert dependency_name(raised.value) == "postgres"
    assert raised.value.reason == "ReadOnlySQLTransactionError"


async def test_other_orm_errors_pass_unchanged() -> None:
    with pytest.raises(IntegrityError):
        await database_call(IntegrityError("duplicate key"))


def test_a_raw_client_error_is_named_by_its_library() -> None:
    assert dependency_name(RedisConnectionError("refused")) == "redis"
    assert dependency_name(asyncpg.exceptions.InterfaceError("closed")) == "postgres"
    assert dependency_name(TimeoutError()) == "a dependency"
