"""Rate limits, brute-force protection and the client address they are keyed on."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import PASSWORD, assert_error, server_env
from tests.support.backends import Backends
from tests.support.server import RunningServer, api_server

pytestmark = pytest.mark.e2e

LIMIT = 8


@pytest.fixture(scope="module")
def strict(
    backends: Backends,
    database_url: str,
    signing_key: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningServer]:
    """A server with small limits and production's client-address rules."""
    env = server_env(database_url, backends.redis_url, signing_key) | {
        "AGROBRIDGE_RATE_LIMIT_ANONYMOUS_PER_MINUTE": str(LIMIT),
        "AGROBRIDGE_RATE_LIMIT_USER_PER_MINUTE": str(LIMIT),
        "AGROBRIDGE_RATE_LIMIT_PUBLIC_PER_MINUTE": str(LIMIT),
        "AGROBRIDGE_RATE_LIMIT_AUTH_PER_MINUTE": "1000",
        "AGROBRIDGE_LOGIN_FAILURES_BEFORE_LOCKOUT": "3",
    }
    log = tmp_path_factory.mktemp("strict") / "api.log"
    with api_server(env, log, workers=2) as server:
        yield server


def login(server: RunningServer, email: str, password: str, **headers: str) -> httpx.Response:
    body = {"email": email, "password": password}
    return httpx.post(server.url + "/api/v1/auth/login", json=body, headers=headers)


def account(server: RunningServer) -> str:
    email = f"limits-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD, "full_name": "L"}
    assert httpx.post(server.url + "/api/v1/auth/register", json=body).status_code == 201
    return email


def test_an_address_over_its_limit_gets_429_with_retry_after(strict: RunningServer) -> None:
    with httpx.Client(base_url=strict.url + "/api/v1") as client:
        answers = [client.get("/batches") for _ in range(LIMIT + 3)]
        # A client's own X-Forwarded-For does not buy it a fresh allowance.
        spoofed = client.get("/batches", headers={"X-Forwarded-For": "203.0.113.77"})
    statuses = [a.status_code for a in answers]
    assert statuses[:LIMIT].count(401) == LIMIT
    assert statuses[LIMIT:] == [429] * 3
    limited = assert_error(answers[-1], 429, "rate_limited")
    assert limited["message"]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert answers[0].headers["RateLimit-Limit"] == str(LIMIT)
    assert int(answers[0].headers["RateLimit-Remaining"]) == LIMIT - 1
    assert spoofed.status_code == 429


def test_each_user_has_an_allowance_of_their_own(strict: RunningServer) -> None:
    tokens = [login(strict, account(strict), PASSWORD).json()["access_token"] for _ in range(2)]
    first, second = ({"Authorization": f"Bearer {t}"} for t in tokens)
    with httpx.Client(base_url=strict.url + "/api/v1") as client:
        spent = [client.get("/batches", headers=first).status_code for _ in range(LIMIT + 1)]
        other = client.get("/batches", headers=second)
    assert spent[:LIMIT] == [200] * LIMIT
    assert spent[LIMIT] == 429
    assert other.status_code == 200


def test_repeated_wrong_passwords_lock_out_the_guesser_but_not_the_owner(
    strict: RunningServer,
) -> None:
    email = account(strict)
    wrong = [login(strict, email, "not the password").status_code for _ in range(3)]
    locked = login(strict, email, PASSWORD)

    assert wrong == [401, 401, 401]
    assert_error(locked, 429, "rate_limited")
    assert 1 <= int(locked.headers["Retry-After"]) <= 900
    # Unknown accounts are throttled the same way: no hint which emails exist.
    ghost = [login(strict, f"ghost-{email}", "x" * 8).status_code for _ in range(4)]
    assert ghost == [401, 401, 401, 429]


def test_behind_a_trusted_proxy_the_address_it_appended_is_the_clients(
    backends: Backends,
    database_url: str,
    signing_key: Path,
    tmp_path: Path,
    auditor: dict[str, str],
    server: RunningServer,
) -> None:
    env = server_env(database_url, backends.redis_url, signing_key) | {
        "AGROBRIDGE_PROXIES_COUNT": "1"
    }
    email = f"proxied-{uuid.uuid4().hex[:8]}@example.com"
    with api_server(env, tmp_path / "api.log", workers=1) as proxied:
        body = {"email": email, "password": PASSWORD, "full_name": "P"}
        # What nginx forwards: the client's own claim, then the address nginx saw.
        forwarded = {"X-Forwarded-For": "6.6.6.6, 198.51.100.23"}
        registered = httpx.post(proxied.url + "/api/v1/auth/register", json=body, headers=forwarded)
        user = login(proxied, email, PASSWORD, **forwarded).json()
    assert registered.status_code == 201, registered.text
    assert user["access_token"]
    (entry,) = httpx.get(
        server.url + "/api/v1/audit-logs",
        params={"actor_id": registered.json()["id"], "action": "auth.registered"},
        headers=auditor,
    ).json()["data"]
    assert entry["request_id"] == registered.headers["X-Request-ID"]
    assert entry["ip"] == "198.51.100.23"


def test_public_verification_is_limited_per_address_token_or_not(strict: RunningServer) -> None:
    with httpx.Client(base_url=strict.url) as client:
        # Unknown codes count too, so that nobody can walk through codes quickly.
        answers = [client.get(f"/api/v1/public/batches/NOPE-{n}") for n in range(LIMIT)]
        page = client.get("/verify/NOPE-X")
        with_token = client.get(
            "/api/v1/public/batches/NOPE-Y", headers={"Authorization": "Bearer whatever"}
        )
    assert [a.status_code for a in answers] == [404] * LIMIT
    assert page.status_code == 429
    assert int(page.headers["Retry-After"]) >= 1
    assert_error(with_token, 429, "rate_limited")
