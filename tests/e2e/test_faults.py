"""With PostgreSQL or Redis gone, the API says so with 503s, and recovers by itself."""

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests.e2e.conftest import PASSWORD, assert_error, server_env
from tests.support.backends import Backends
from tests.support.proxy import Proxy, proxied
from tests.support.server import RunningServer, api_server
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e


def through(url: str, proxy: Proxy) -> str:
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{proxy.port}" if credentials else f"127.0.0.1:{proxy.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def target(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 0


class Fragile:
    def __init__(self, server: RunningServer, postgres: Proxy, redis: Proxy) -> None:
        self.server, self.postgres, self.redis = server, postgres, redis

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.server.url + path, timeout=10)

    def login(self, email: str) -> httpx.Response:
        body = {"email": email, "password": PASSWORD}
        return httpx.post(self.server.url + "/api/v1/auth/login", json=body, timeout=10)


@pytest.fixture(scope="module")
def fragile(
    backends: Backends,
    database_url: str,
    signing_key: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Fragile]:
    """A one-worker server that reaches its backends through links the test can cut."""
    with (
        proxied(*target(database_url)) as postgres,
        proxied(*target(backends.redis_url)) as redis,
    ):
        env = server_env(
            through(database_url, postgres), through(backends.redis_url, redis), signing_key
        )
        log = tmp_path_factory.mktemp("fragile") / "api.log"
        with api_server(env, log, workers=1) as server:
            yield Fragile(server, postgres, redis)


def test_liveness_holds_while_both_backends_are_down(fragile: Fragile) -> None:
    fragile.postgres.cut()
    fragile.redis.cut()
    try:
        assert fragile.get("/api/v1/health").status_code == 200
        ready = fragile.get("/api/v1/health/ready")
        assert ready.status_code == 503
        assert ready.json() == {
            "status": "unavailable",
            "checks": {"postgres": "error", "redis": "error"},
        }
    finally:
        fragile.postgres.restore()
        fragile.redis.restore()
    assert wait_until(lambda: fragile.get("/api/v1/health/ready").status_code == 200)


def test_readiness_names_redis_when_only_redis_is_down(fragile: Fragile) -> None:
    fragile.redis.cut()
    try:
        ready = fragile.get("/api/v1/health/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"postgres": "ok", "redis": "error"}
    finally:
        fragile.redis.restore()
    assert wait_until(lambda: fragile.get("/api/v1/health/ready").status_code == 200)


def test_requests_get_503_while_postgres_is_down_and_work_again_after(fragile: Fragile) -> None:
    email = f"fault-{time.time_ns()}@example.com"
    register = {"email": email, "password": PASSWORD, "full_name": "F"}
    assert (
        httpx.post(fragile.server.url + "/api/v1/auth/register", json=register).status_code == 201
    )

    fragile.postgres.cut()
    try:
        down = fragile.login(email)
        error = assert_error(down, 503, "unavailable")
        assert "postgres" in error["message"]
        assert fragile.get("/api/v1/health/ready").json()["checks"]["postgres"] == "error"
    finally:
        fragile.postgres.restore()
    assert wait_until(lambda: fragile.login(email).status_code == 200)


def test_authenticated_requests_get_503_while_redis_is_down(fragile: Fragile) -> None:
    email = f"redis-fault-{time.time_ns()}@example.com"
    register = {"email": email, "password": PASSWORD, "full_name": "F"}
    httpx.post(fragile.server.url + "/api/v1/auth/register", json=register)
    token = fragile.login(email).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    batches = fragile.server.url + "/api/v1/batches"

    fragile.redis.cut()
    try:
        # The deny-list cannot be consulted: refuse rather than trust the token.
        error = assert_error(httpx.get(batches, headers=auth, timeout=10), 503, "unavailable")
        assert "redis" in error["message"]
        # Anonymous calls are not rate limited meanwhile; they are simply unauthenticated.
        assert_error(httpx.get(batches, timeout=10), 401, "unauthorized")
    finally:
        fragile.redis.restore()
    assert wait_until(lambda: httpx.get(batches, headers=auth).status_code == 200)


def test_a_membership_change_while_redis_is_down_answers_503_and_changes_nothing(
    fragile: Fragile,
) -> None:
    api = fragile.server.url + "/api/v1"

    def person() -> tuple[str, dict[str, str]]:
        email = f"member-fault-{time.time_ns()}@example.com"
        register = {"email": email, "password": PASSWORD, "full_name": "F"}
        made = httpx.post(api + "/auth/register", json=register, timeout=10)
        assert made.status_code == 201, made.text
        token = fragile.login(email).json()["access_token"]
        return email, {"Authorization": f"Bearer {token}"}

    _, owner = person()
    email, member = person()
    farm = httpx.post(
        api + "/organisations",
        json={"name": "Finca", "country": "MX", "activities": ["producer"]},
        headers=owner,
    ).json()["id"]
    invited = httpx.post(
        f"{api}/organisations/{farm}/invitations",
        json={"email": email, "role": "manager"},
        headers=owner,
    )
    accepted = httpx.post(
        api + "/invitations/accept", json={"token": invited.json()["token"]}, headers=member
    )
    assert accepted.status_code == 200, accepted.text
    path = f"{api}/organisations/{farm}/members"
    member_path = f"{path}/{httpx.get(api + '/auth/me', headers=member).json()['id']}"

    fragile.redis.cut()
    try:
        demoted = httpx.put(member_path, json={"role": "viewer"}, headers=owner, timeout=10)
        assert_error(demoted, 503, "unavailable")
        assert_error(httpx.delete(member_path, headers=owner, timeout=10), 503, "unavailable")
    finally:
        fragile.redis.restore()
    assert wait_until(lambda: httpx.get(path, headers=owner).status_code == 200)
    roles = {m["email"]: m["role"] for m in httpx.get(path, headers=owner).json()["data"]}
    assert roles[email] == "manager"
