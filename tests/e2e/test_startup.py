"""The server refuses to start on unsafe configuration, and says why without leaking it."""

from pathlib import Path

import httpx
import pytest

from api.infrastructure.security.keys import write_private_key
from tests.support.server import api_server, run_module

pytestmark = pytest.mark.e2e

WEAK = "postgres://agrobridge:CHANGE-ME@127.0.0.1:5432/agrobridge?sslmode=verify-full"
STRONG = "postgres://agrobridge:4c7f0b1e9a2d8e65@127.0.0.1:5432/agrobridge?sslmode=verify-full"
PLAIN = "postgres://agrobridge:4c7f0b1e9a2d8e65@127.0.0.1:5432/agrobridge"
SOCKET = "postgres://agrobridge:4c7f0b1e9a2d8e65@/agrobridge?host=/run/postgresql"
REDIS_WITH_PASSWORD = "redis://:r3dis-9a8b7c@127.0.0.1:1/0"
PUBLIC_BASE_URL = "https://trace.agrobridge.example"


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "jwt.pem"
    write_private_key(path, bits=2048)
    return path


def serve(**env: str) -> tuple[int, str]:
    defaults = {"REDIS_URL": REDIS_WITH_PASSWORD, "AGROBRIDGE_PUBLIC_BASE_URL": PUBLIC_BASE_URL}
    result = run_module(["serve"], defaults | env)
    return result.returncode, result.stderr


@pytest.mark.parametrize("env", ["production", "staging"])
def test_production_refuses_the_example_database_password(key: Path, env: str) -> None:
    code, stderr = serve(
        AGROBRIDGE_ENV=env, DATABASE_URL=WEAK, AGROBRIDGE_JWT_PRIVATE_KEY_FILE=str(key)
    )
    assert code != 0
    assert "AGROBRIDGE_DATABASE_URL" in stderr
    assert "CHANGE-ME" not in stderr


def test_production_refuses_a_missing_signing_key(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.pem"
    code, stderr = serve(
        AGROBRIDGE_ENV="production",
        DATABASE_URL=STRONG,
        AGROBRIDGE_JWT_PRIVATE_KEY_FILE=str(missing),
    )
    assert code != 0
    assert "AGROBRIDGE_JWT_PRIVATE_KEY_FILE" in stderr
    assert "4c7f0b1e9a2d8e65" not in stderr


def test_a_signing_key_readable_by_others_is_refused(key: Path) -> None:
    key.chmod(0o644)
    code, stderr = serve(DATABASE_URL=STRONG, AGROBRIDGE_JWT_PRIVATE_KEY_FILE=str(key))
    assert code != 0
    assert "readable by group or others" in stderr


def test_production_refuses_a_database_url_without_tls(key: Path) -> None:
    code, stderr = serve(
        AGROBRIDGE_ENV="production", DATABASE_URL=PLAIN, AGROBRIDGE_JWT_PRIVATE_KEY_FILE=str(key)
    )
    assert code != 0
    assert "AGROBRIDGE_DATABASE_URL: TLS is required" in stderr
    assert "4c7f0b1e9a2d8e65" not in stderr


def test_production_takes_a_local_socket_only_when_a_setting_allows_it(key: Path) -> None:
    env = {"AGROBRIDGE_ENV": "production", "AGROBRIDGE_JWT_PRIVATE_KEY_FILE": str(key)}
    code, stderr = serve(**env, DATABASE_URL=SOCKET)
    assert code != 0
    assert "AGROBRIDGE_DB_ALLOW_UNIX_SOCKET" in stderr
    # Allowed, the settings pass and start-up goes on (to fail later on this test's bad key).
    key.chmod(0o644)
    code, stderr = serve(**env, DATABASE_URL=SOCKET, AGROBRIDGE_DB_ALLOW_UNIX_SOCKET="true")
    assert "AGROBRIDGE_DATABASE_URL" not in stderr
    assert "readable by group or others" in stderr


def test_production_refuses_to_print_qr_codes_for_a_local_address(key: Path) -> None:
    env = {"AGROBRIDGE_ENV": "production", "DATABASE_URL": STRONG}
    unset = run_module(
        ["serve"],
        env | {"REDIS_URL": REDIS_WITH_PASSWORD, "AGROBRIDGE_JWT_PRIVATE_KEY_FILE": str(key)},
    )
    assert unset.returncode != 0
    assert "AGROBRIDGE_PUBLIC_BASE_URL: it must be set" in unset.stderr
    code, stderr = serve(
        **env,
        AGROBRIDGE_JWT_PRIVATE_KEY_FILE=str(key),
        AGROBRIDGE_PUBLIC_BASE_URL="http://127.0.0.1:8000",
    )
    assert code != 0
    assert "AGROBRIDGE_PUBLIC_BASE_URL: it must be an https:// URL in production" in stderr


def test_production_refuses_a_redis_url_without_a_password(key: Path) -> None:
    code, stderr = serve(
        AGROBRIDGE_ENV="production",
        DATABASE_URL=STRONG,
        REDIS_URL="redis://127.0.0.1:1/0",
        AGROBRIDGE_JWT_PRIVATE_KEY_FILE=str(key),
    )
    assert code != 0
    assert "AGROBRIDGE_REDIS_URL" in stderr


@pytest.mark.parametrize(("docs_setting", "status"), [(None, 404), ("true", 200)])
def test_production_serves_no_docs_unless_a_setting_asks(
    key: Path, tmp_path: Path, docs_setting: str | None, status: int
) -> None:
    # PostgreSQL and Redis need not answer for this: the API starts without them.
    env = {
        "AGROBRIDGE_ENV": "production",
        "DATABASE_URL": SOCKET.replace("/run/postgresql", str(tmp_path)),
        "AGROBRIDGE_DB_ALLOW_UNIX_SOCKET": "true",
        "REDIS_URL": REDIS_WITH_PASSWORD,
        "AGROBRIDGE_JWT_PRIVATE_KEY_FILE": str(key),
        "AGROBRIDGE_PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        **({"AGROBRIDGE_DOCS_ENABLED": docs_setting} if docs_setting else {}),
    }
    with api_server(env, tmp_path / "api.log", workers=1) as server:
        for path in ("/docs", "/docs/openapi.json"):
            assert httpx.get(server.url + path, timeout=10).status_code == status
