"""The webhook settings an operator could get dangerously wrong are refused at start-up."""

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.settings import Settings

URL = "postgres://agrobridge:Tr0ub4dor-and-then-some-9f3k@db.internal:5432/a?sslmode=verify-full"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("AGROBRIDGE_") or name in ("DATABASE_URL", "REDIS_URL"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def settings(tmp_path: Path, **values: object) -> Settings:
    key = tmp_path / "signing.pem"
    key.write_text("not read by Settings")
    base: dict[str, object] = {
        "database_url": URL,
        "redis_url": "redis://:redis-pw-77@cache.internal:6379/0",
        "jwt_private_key_file": key,
        "public_base_url": "https://trace.agrobridge.example",
    }
    return Settings(**(base | values))  # type: ignore[arg-type]


@pytest.mark.parametrize("env", ["production", "staging"])
def test_private_webhook_targets_are_refused_in_production_like_environments(tmp_path, env):
    with pytest.raises(ValidationError, match="AGROBRIDGE_WEBHOOK_ALLOW_PRIVATE_TARGETS"):
        settings(tmp_path, env=env, webhook_allow_private_targets=True)


def test_tests_and_development_may_send_webhooks_to_local_receivers(tmp_path):
    for env in ("development", "test"):
        assert settings(tmp_path, env=env, webhook_allow_private_targets=True)
    assert not settings(tmp_path, env="production").webhook_allow_private_targets


def test_a_lease_must_outlast_a_send_by_far(tmp_path):
    # Shorter, and a second worker could take a delivery whose send is still running.
    with pytest.raises(ValidationError, match="AGROBRIDGE_WEBHOOK_LEASE_SECONDS"):
        settings(tmp_path, webhook_timeout_seconds=5, webhook_lease_seconds=10)
    assert settings(tmp_path, webhook_timeout_seconds=5, webhook_lease_seconds=11)
