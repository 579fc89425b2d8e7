"""A readiness probe that reaches a worker before its services are wired is a 503 in the
probe's own shape, and nothing is logged as an error."""

import json
from types import SimpleNamespace
from typing import Any

from loguru import logger

from api.presentation.context import App
from api.presentation.routes import health


async def test_readiness_while_starting_is_503_without_an_error_log(offline_app: App) -> None:
    errors: list[str] = []
    sink = logger.add(errors.append, level="ERROR")
    try:
        ready: Any = health.ready  # the handler itself, called as Sanic would
        response = await ready(SimpleNamespace(app=offline_app))
    finally:
        logger.remove(sink)
    assert response.status == 503
    assert json.loads(response.body) == {"status": "unavailable", "checks": {}}
    assert errors == []
