"""What a release's settings become when an inventory sets them: the api role's environment
file and secret files, read by the API's own settings loader."""

from pathlib import Path

import pytest

from api.settings import Settings, load_settings
from tests.support.limits import API_ROLE, load_yaml, rendered_api_env

SMTP = {
    "api_environment": "production",
    "api_smtp_host": "smtp.example.com",
    "api_smtp_sender": "AgroBridge <no-reply@example.com>",
    "api_smtp_username": "mailer",
}


def secret_files(role_tasks: Path) -> dict[str, str]:
    """The secret files the role writes: name -> the expression of its value."""
    tasks = load_yaml(role_tasks)
    writing = next(t for t in tasks if "secrets are in place" in t["name"])
    return {item["name"]: item["value"] for item in writing["vars"]["api_secret_files"]}


def release_settings(
    env: dict[str, str], secrets: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """The settings a release starts with: the environment file, and the secret files in
    AGROBRIDGE_SECRETS_DIR."""
    folder = tmp_path / "secrets"
    folder.mkdir()
    key = folder / "jwt-signing.pem"
    key.write_text("a key file")
    secrets = {
        "AGROBRIDGE_DATABASE_URL": "postgres://api:a-long-secret@db/agrobridge?sslmode=require",
        "AGROBRIDGE_REDIS_URL": "rediss://agrobridge:a-long-secret@cache:6380/0",
        **secrets,
    }
    for name, value in secrets.items():
        (folder / name).write_text(value)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AGROBRIDGE_SECRETS_DIR", str(folder))
    monkeypatch.setenv("AGROBRIDGE_JWT_PRIVATE_KEY_FILE", str(key))
    monkeypatch.setenv("AGROBRIDGE_PUBLIC_BASE_URL", "https://api.example.com")
    return load_settings()


def test_invitation_mail_settings_reach_a_release_with_the_password_in_a_secret_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = rendered_api_env(SMTP)
    assert "AGROBRIDGE_SMTP_PASSWORD" not in env  # never in the environment file
    assert (
        "api_smtp_password"
        in secret_files(API_ROLE / "tasks" / "main.yml")["AGROBRIDGE_SMTP_PASSWORD"]
    )
    settings = release_settings(
        env, {"AGROBRIDGE_SMTP_PASSWORD": "a mail password"}, tmp_path, monkeypatch
    )
    assert settings.smtp_host == "smtp.example.com"
    assert settings.smtp_port == 587
    assert settings.smtp_starttls is True
    assert settings.smtp_username == "mailer"
    assert settings.smtp_password is not None
    assert settings.smtp_password.get_secret_value() == "a mail password"


def test_without_a_mail_host_a_release_sends_no_mail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = rendered_api_env({"api_environment": "production"})
    assert not [name for name in env if name.startswith("AGROBRIDGE_SMTP_")]
    settings = release_settings(env, {}, tmp_path, monkeypatch)
    assert settings.smtp_host is None
