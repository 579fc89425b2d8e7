import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.backends import Backends
from tests.support.server import RunningServer, api_server, run_module

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"
PUBLIC_BASE_URL = "https://trace.example.com"


def server_env(database_url: str, redis_url: str, signing_key: Path) -> dict[str, str]:
    return {
        "AGROBRIDGE_ENV": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "AGROBRIDGE_JWT_PRIVATE_KEY_FILE": str(signing_key),
        "AGROBRIDGE_MAX_BODY_BYTES": str(64 * 1024),
        "AGROBRIDGE_REFRESH_REUSE_GRACE_SECONDS": "0",
        # The suite comes from one address at machine speed; the limit tests lower these.
        "AGROBRIDGE_RATE_LIMIT_AUTH_PER_MINUTE": "100000",
        "AGROBRIDGE_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "100000",
        "AGROBRIDGE_RATE_LIMIT_USER_PER_MINUTE": "100000",
        "AGROBRIDGE_RATE_LIMIT_PUBLIC_PER_MINUTE": "100000",
        "AGROBRIDGE_RATE_LIMIT_CLIENT_PER_MINUTE": "100000",
        "AGROBRIDGE_RATE_LIMIT_TOKEN_PER_MINUTE": "100000",
        "AGROBRIDGE_PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "AGROBRIDGE_CORS_ORIGINS": "https://app.example.com",
    }


@pytest.fixture(scope="session")
def server(
    backends: Backends,
    database_url: str,
    signing_key: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningServer]:
    """The API as it runs in production: `python -m api serve` with two workers."""
    env = server_env(database_url, backends.redis_url, signing_key)
    log = tmp_path_factory.mktemp("server") / "api.log"
    with api_server(env, log, workers=2) as running:
        yield running


# Settings the security tests need that the shared server does not have.
HARDENED = {
    "AGROBRIDGE_PROXIES_COUNT": "1",
    "AGROBRIDGE_TRUSTED_PROXIES": "192.0.2.0/24",
    "AGROBRIDGE_REFRESH_REUSE_GRACE_SECONDS": "10",
    "AGROBRIDGE_AUDIT_DENIALS_PER_MINUTE": "5",
    "AGROBRIDGE_LOGIN_FAILURES_BEFORE_LOCKOUT": "3",
}


@pytest.fixture(scope="session")
def hardened(
    backends: Backends,
    database_url: str,
    signing_key: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningServer]:
    """A second server over the same database: a proxy it does not trust, a refresh grace
    window, and a low limit on the audit rows one client may cause."""
    # A Redis database of its own: its per-address counters are not the shared server's.
    redis_url = backends.redis_url.rsplit("/", 1)[0] + "/1"
    env = server_env(database_url, redis_url, signing_key) | HARDENED
    log = tmp_path_factory.mktemp("hardened") / "api.log"
    with api_server(env, log, workers=2) as running:
        yield running


@pytest.fixture
def hardened_client(hardened: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hardened.url + "/api/v1", timeout=30) as http:
        yield http


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url + "/api/v1", timeout=10) as http:
        yield http


def sign_up(client: httpx.Client, role: str = "producer") -> dict[str, str]:
    """Register and log in a new user; return the Authorization header."""
    email = f"{role}-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD, "full_name": "Test User", "role": role}
    assert client.post("/auth/register", json=body).status_code == 201
    tokens = client.post("/auth/login", json={"email": email, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def batch_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "product": "avocado",
        "variety": "Hass",
        "origin": {"farm": "La Loma", "region": "Michoacan", "country": "MX"},
        "harvest_date": "2026-10-02",
        "quantity": "1250.5",
        "unit": "kg",
    }
    body.update(overrides)
    return body


def tx_hash() -> str:
    return "0x" + uuid.uuid4().hex + uuid.uuid4().hex


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Every error has one shape, and carries the same request id as the header."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["request_id"] == response.headers["X-Request-ID"]
    return error


def user_id(client: httpx.Client, auth: dict[str, str]) -> str:
    me: dict[str, str] = client.get("/auth/me", headers=auth).json()
    return me["id"]


@pytest.fixture(scope="session")
def auditor(server: RunningServer, database_url: str) -> dict[str, str]:
    """An auditor made the only way auditors are made: by the operator command."""
    email = f"auditor-{uuid.uuid4().hex[:8]}@example.com"
    made = run_module(
        ["create-user", email, "--role", "auditor", "--full-name", "Audrey", "--password-stdin"],
        {"DATABASE_URL": database_url},
        stdin=PASSWORD + "\n",
    )
    assert made.returncode == 0, made.stderr
    body = {"email": email, "password": PASSWORD}
    tokens = httpx.post(server.url + "/api/v1/auth/login", json=body).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}
