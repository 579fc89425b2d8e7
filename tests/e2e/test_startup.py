"""The server refuses to start on unsafe configuration, and says why without leaking it."""

from pathlib import Path

import pytest

from api.infrastructure.security.keys import write_private_key
from tests.support.server import run_module

pytestmark = pytest.mark.e2e

WEAK = "postgres://agrobridge:CHANGE-ME@127.0.0.1:5432/agrobridge"
STRONG = "postgres://agrobridge:4c7f0b1e9a2d8e65@127.0.0.1:5432/agrobridge"


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "jwt.pem"
    write_private_key(path, bits=2048)
    return path


def serve(**env: str) -> tuple[int, str]:
    result = run_module(["serve"], {"REDIS_URL": "redis://127.0.0.1:1/0", **env})
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
