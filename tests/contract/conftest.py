"""The contract tier: the served OpenAPI document checked by tools no one here wrote (a
validator, a generated client, a fuzzer), against the API as production runs it."""

import logging
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from loguru import logger
from sanic import Sanic

from api.app import create_app
from api.presentation.context import App
from api.settings import load_settings
from tests.e2e.conftest import PASSWORD, server_env
from tests.support.backends import Backends
from tests.support.server import RunningServer, api_server

pytestmark = pytest.mark.contract


def own_redis_database(url: str) -> str:
    """Another logical database of the same Redis: the fuzzer's thousands of failed logins
    lock its address out, and that must not carry over to the tiers that run after it."""
    parts = urlsplit(url)
    index = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{15 if index != 15 else 14}"))


@pytest.fixture(scope="session")
def contract_server(
    backends: Backends,
    database_url: str,
    signing_key: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningServer]:
    """`python -m api serve` with two workers, as in production."""
    env = server_env(database_url, own_redis_database(backends.redis_url), signing_key)
    # The fuzzer fails thousands of logins from this one address, and gives wrong current
    # passwords to the password change of the account it works as: the lockouts would then
    # refuse the test's own logins (they have their tests in tests/e2e).
    env["AGROBRIDGE_LOGIN_FAILURES_PER_IP"] = "1000000"
    env["AGROBRIDGE_LOGIN_FAILURES_BEFORE_LOCKOUT"] = "1000000"
    log = tmp_path_factory.mktemp("contract-server") / "api.log"
    with api_server(env, log, workers=2) as running:
        yield running


@pytest.fixture(scope="session")
def document(contract_server: RunningServer) -> dict[str, Any]:
    response = httpx.get(contract_server.url + "/docs/openapi.json", timeout=10)
    assert response.status_code == 200
    spec: dict[str, Any] = response.json()
    return spec


def new_account(base_url: str, role: str = "producer") -> tuple[str, str]:
    email = f"{role}-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD, "full_name": "Contract Tester", "role": role}
    response = httpx.post(base_url + "/api/v1/auth/register", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return email, PASSWORD


@pytest.fixture
def offline_app(signing_key: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    """The app as the factory makes it, before start-up: routes, no services, no I/O. The
    factory configures logging for a server; this process gets its own back afterwards."""
    monkeypatch.setenv("AGROBRIDGE_ENV", "test")
    monkeypatch.setenv("DATABASE_URL", "postgres://agrobridge:unused@127.0.0.1:1/agrobridge")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("AGROBRIDGE_JWT_PRIVATE_KEY_FILE", str(signing_key))
    monkeypatch.setattr(Sanic, "test_mode", True)  # one app name, made more than once
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield create_app(load_settings())
    finally:
        root.handlers[:], root.level = handlers, level
        logger.remove()
        logger.add(sys.stderr)
