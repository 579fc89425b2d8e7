"""One app for the tier (its start-up costs most of a second); each test gets fresh fakes."""

import logging
import sys
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio
from loguru import logger
from sanic import Sanic

from api.app import create_app
from api.presentation.context import App
from tests.http.harness import Fakes, Lifespan, client, settings


@pytest.fixture(scope="session")
def _own_logging() -> Iterator[None]:
    """The factory configures logging for a server; this process gets its own back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level
    logger.remove()
    logger.add(sys.stderr)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def app(_own_logging: None) -> AsyncIterator[App]:
    test_mode, Sanic.test_mode = Sanic.test_mode, True  # one app name, made more than once
    made = create_app(settings(), services=Fakes().services())
    lifespan = Lifespan(made)
    await lifespan.start()
    yield made
    await lifespan.stop()
    Sanic.test_mode = test_mode


@pytest.fixture
def fakes(app: App) -> Fakes:
    """Fresh fakes behind the running app, so that no test sees another's data."""
    made = Fakes()
    app.ctx.services = made.services()
    app.ctx.draining = False
    return made


@pytest_asyncio.fixture(loop_scope="session")
async def api(app: App, fakes: Fakes) -> AsyncIterator[httpx.AsyncClient]:
    async with client(app) as http:
        yield http
