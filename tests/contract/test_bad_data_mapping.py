"""Should a value that PostgreSQL refuses get past validation, the client still gets a 400 in
the error shape, not a 500."""

import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import asyncpg
import pytest
from tortoise.exceptions import OperationalError

from api.presentation.errors import JsonErrorHandler


async def refusal(database_url: str, sql: str, *args: Any) -> BaseException:
    connection = await asyncpg.connect(database_url)
    try:
        await connection.fetch(sql, *args)
    except Exception as exc:
        # Tortoise wraps the driver's error, as it does in the repositories.
        try:
            raise OperationalError(exc) from exc
        except OperationalError as wrapped:
            return wrapped
    finally:
        await connection.close()
    raise AssertionError("PostgreSQL took the value")


@pytest.mark.parametrize(
    ("sql", "value"),
    [
        ("SELECT $1::text", "nul\u0000byte"),  # NUL: PostgreSQL refuses it in text
        ("SELECT $1::text", "lone \udcff surrogate"),  # asyncpg refuses to encode it
        ("SELECT $1::text::int", "12x"),  # not a number
        ("SELECT $1::timestamptz + interval '10000 years'", datetime(9000, 1, 1, tzinfo=UTC)),
    ],
)
async def test_values_the_database_refuses_become_a_bad_request(
    database_url: str, sql: str, value: object
) -> None:
    error = await refusal(database_url, sql, value)
    request: Any = SimpleNamespace(
        ctx=SimpleNamespace(), headers={}, path="/api/v1/batches", method="POST"
    )
    response = JsonErrorHandler().default(request, error)  # type: ignore[arg-type]
    assert response.status == 400
    body = json.loads(response.body or b"")
    assert body["error"]["code"] == "bad_request"
