import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.settings import Environment, Settings, load_settings

EXAMPLE_ENV = Path(__file__).resolve().parents[2] / ".env.example"
STRONG = "Tr0ub4dor-and-then-some-9f3k"
STRONG_URL = f"postgres://agrobridge:{STRONG}@db.internal:5432/agrobridge?sslmode=verify-full"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("AGROBRIDGE_") or name in ("DATABASE_URL", "REDIS_URL"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "signing.pem"
    path.write_text("not read by Settings")
    path.chmod(0o600)
    return path


@pytest.fixture
def base_env(monkeypatch, key_file):
    monkeypatch.setenv("AGROBRIDGE_DATABASE_URL", STRONG_URL)
    monkeypatch.setenv("AGROBRIDGE_REDIS_URL", "redis://:redis-pw-77@cache.internal:6379/0")
    monkeypatch.setenv("AGROBRIDGE_JWT_PRIVATE_KEY_FILE", str(key_file))
    monkeypatch.setenv("AGROBRIDGE_PUBLIC_BASE_URL", "https://trace.agrobridge.example")


@pytest.mark.parametrize("env", ["production", "staging"])
@pytest.mark.parametrize(
    "url",
    [
        "postgres://agrobridge:postgres@db:5432/agrobridge",
        "postgres://agrobridge:changeme@db:5432/agrobridge",
        "postgres://agrobridge:agrobridge@db:5432/agrobridge",
        "postgres://agrobridge:CHANGE-ME@db:5432/agrobridge",
        "postgres://agrobridge:@db:5432/agrobridge",
        "postgres://agrobridge@db:5432/agrobridge",
    ],
    ids=["postgres", "changeme", "agrobridge", "env-example", "empty", "missing"],
)
def test_production_like_environments_refuse_a_weak_database_password(
    monkeypatch, base_env, env, url
):
    monkeypatch.setenv("AGROBRIDGE_ENV", env)
    monkeypatch.setenv("AGROBRIDGE_DATABASE_URL", url)

    with pytest.raises(ValidationError) as caught:
        Settings()

    assert "AGROBRIDGE_DATABASE_URL" in str(caught.value)
    assert env in str(caught.value)


def test_production_refuses_the_database_url_shipped_in_env_example(monkeypatch, base_env):
    lines = EXAMPLE_ENV.read_text().splitlines()
    example_url = next(line.split("=", 1)[1] for line in lines if line.startswith("DATABASE_URL="))
    monkeypatch.setenv("AGROBRIDGE_ENV", "production")
    monkeypatch.setenv("AGROBRIDGE_DATABASE_URL", example_url)

    with pytest.raises(ValidationError, match="AGROBRIDGE_DATABASE_URL"):
        Settings()


@pytest.mark.parametrize("env", ["production", "staging"])
def test_production_like_environments_refuse_a_missing_key_file(
    monkeypatch, base_env, tmp_path, env
):
    monkeypatch.setenv("AGROBRIDGE_ENV", env)
    monkeypatch.setenv("AGROBRIDGE_JWT_PRIVATE_KEY_FILE", str(tmp_path / "absent.pem"))

    with pytest.raises(ValidationError) as caught:
        Settings()

    assert "AGROBRIDGE_JWT_PRIVATE_KEY_FILE" in str(caught.value)
    assert STRONG not in str(caught.value)


def test_production_starts_with_a_strong_password_and_a_key_file(monkeypatch, base_env, key_file):
    monkeypatch.setenv("AGROBRIDGE_ENV", "production")

    settings = Settings()

    assert settings.env == Environment.PRODUCTION
    assert settings.is_production_like
    assert settings.jwt_private_key_file == key_file
    assert settings.database_url.get_secret_value() == STRONG_URL


def test_development_accepts_the_example_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/agrobridge")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("AGROBRIDGE_JWT_PRIVATE_KEY_FILE", str(tmp_path / "not-made-yet.pem"))

    settings = Settings()

    assert settings.env == Environment.DEVELOPMENT
    assert not settings.is_production_like
    assert settings.port == 8000
    assert settings.access_token_ttl_seconds == 900


def test_the_test_environment_is_not_production_like():
    settings = Settings(
        env="test",
        database_url="postgres://postgres:postgres@localhost/agrobridge_test",
        redis_url="redis://localhost/1",
        jwt_private_key_file="/nowhere.pem",
    )

    assert not settings.is_production_like


@pytest.mark.parametrize("render", [repr, str])
def test_the_database_password_never_shows_when_settings_are_printed(base_env, render):
    text = render(Settings())

    assert STRONG not in text
    assert "redis-pw-77" not in text
    assert "db.internal" not in text


def test_the_verify_key_list_is_split_on_commas(monkeypatch, base_env):
    monkeypatch.setenv("AGROBRIDGE_JWT_VERIFY_KEY_FILES", " /keys/2030.pem, /keys/2029.pub ,,")

    assert Settings().jwt_verify_key_files == (Path("/keys/2030.pem"), Path("/keys/2029.pub"))


def test_a_single_verify_key_needs_no_comma(monkeypatch, base_env):
    monkeypatch.setenv("AGROBRIDGE_JWT_VERIFY_KEY_FILES", "/keys/old.pem")

    assert Settings().jwt_verify_key_files == (Path("/keys/old.pem"),)


def test_an_empty_verify_key_list_means_no_older_keys(monkeypatch, base_env):
    monkeypatch.setenv("AGROBRIDGE_JWT_VERIFY_KEY_FILES", "")

    assert Settings().jwt_verify_key_files == ()


def test_the_verify_key_list_can_be_passed_to_the_constructor(base_env):
    settings = Settings(jwt_verify_key_files="a.pem,b.pem")

    assert settings.jwt_verify_key_files == (Path("a.pem"), Path("b.pem"))


def test_the_unprefixed_database_url_is_accepted(monkeypatch, base_env):
    monkeypatch.delenv("AGROBRIDGE_DATABASE_URL")
    monkeypatch.setenv("DATABASE_URL", STRONG_URL)

    assert Settings().database_url.get_secret_value() == STRONG_URL


def test_a_missing_database_url_is_refused(monkeypatch, base_env):
    monkeypatch.delenv("AGROBRIDGE_DATABASE_URL")

    with pytest.raises(ValidationError):
        Settings()


def test_secrets_can_come_from_mounted_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key_file: Path
) -> None:
    url = "postgres://agrobridge:f1le-s3cret-value@db:5432/agrobridge?sslmode=require"
    (tmp_path / "AGROBRIDGE_DATABASE_URL").write_text(url + "\n")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("AGROBRIDGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("AGROBRIDGE_SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("AGROBRIDGE_ENV", "production")
    monkeypatch.setenv("REDIS_URL", "redis://:pw-1@cache:6379/0")
    monkeypatch.setenv("AGROBRIDGE_JWT_PRIVATE_KEY_FILE", str(key_file))
    monkeypatch.setenv("AGROBRIDGE_PUBLIC_BASE_URL", "https://trace.agrobridge.example")

    settings = load_settings()

    assert settings.database_url.get_secret_value() == url


@pytest.mark.parametrize(
    ("env", "setting", "served"),
    [
        ("development", None, True),
        ("test", None, True),
        ("staging", None, False),
        ("production", None, False),
        ("production", "true", True),
        ("development", "false", False),
    ],
)
def test_docs_are_off_in_production_unless_a_setting_turns_them_on(
    monkeypatch, base_env, env, setting, served
):
    monkeypatch.setenv("AGROBRIDGE_ENV", env)
    if setting is not None:
        monkeypatch.setenv("AGROBRIDGE_DOCS_ENABLED", setting)

    assert Settings().serves_docs is served


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (f"postgres://agrobridge:{STRONG}@db.internal/agrobridge", "TLS is required"),
        (f"postgres://agrobridge:{STRONG}@db.internal/agrobridge?sslmode=prefer", "TLS"),
        (f"postgres://agrobridge:{STRONG}@/agrobridge?host=/run/postgresql", "UNIX_SOCKET"),
    ],
)
def test_production_refuses_a_database_url_without_tls(monkeypatch, base_env, url, problem):
    monkeypatch.setenv("AGROBRIDGE_ENV", "production")
    monkeypatch.setenv("AGROBRIDGE_DATABASE_URL", url)

    with pytest.raises(ValidationError) as caught:
        Settings()

    assert "AGROBRIDGE_DATABASE_URL" in str(caught.value)
    assert problem in str(caught.value)
    assert STRONG not in str(caught.value)


@pytest.mark.parametrize("env", ["development", "test", "staging", "production"])
@pytest.mark.parametrize(
    "query",
    [
        "sslmode=require&sslmode=disable",
        "sslmode=verify-full&SSLMODE=verify-full&sslmode=",
        "sslmode=verify-full&host=db.internal&host=/tmp",
    ],
)
def test_a_database_url_that_repeats_a_parameter_is_refused(monkeypatch, base_env, env, query):
    url = f"postgres://agrobridge:{STRONG}@db.internal/agrobridge?{query}"
    monkeypatch.setenv("AGROBRIDGE_ENV", env)
    monkeypatch.setenv("AGROBRIDGE_DATABASE_URL", url)

    with pytest.raises(ValidationError) as caught:
        Settings()

    assert "AGROBRIDGE_DATABASE_URL" in str(caught.value)
    assert "more than once" in str(caught.value)
    assert STRONG not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (None, "must be set"),
        ("http://trace.agrobridge.example", "https://"),
        ("https://127.0.0.1:8000", "loopback"),
        ("https://localhost", "loopback"),
        ("https://[::1]:8443/trace", "loopback"),
        ("https://0.0.0.0", "loopback"),
    ],
)
def test_production_refuses_a_public_base_url_that_no_phone_can_reach_safely(
    monkeypatch, base_env, url, problem
):
    monkeypatch.setenv("AGROBRIDGE_ENV", "production")
    if url is None:
        monkeypatch.delenv("AGROBRIDGE_PUBLIC_BASE_URL")
    else:
        monkeypatch.setenv("AGROBRIDGE_PUBLIC_BASE_URL", url)

    with pytest.raises(ValidationError) as caught:
        Settings()

    assert "AGROBRIDGE_PUBLIC_BASE_URL" in str(caught.value)
    assert problem in str(caught.value)


def test_staging_and_development_keep_the_local_public_base_url(monkeypatch, base_env):
    monkeypatch.delenv("AGROBRIDGE_PUBLIC_BASE_URL")
    for env in ("development", "staging"):
        monkeypatch.setenv("AGROBRIDGE_ENV", env)
        assert Settings().public_base_url == "http://127.0.0.1:8000"


def test_a_local_socket_is_allowed_by_its_setting(monkeypatch, base_env):
    url = f"postgres://agrobridge:{STRONG}@/agrobridge?host=/run/postgresql"
    monkeypatch.setenv("AGROBRIDGE_ENV", "production")
    monkeypatch.setenv("AGROBRIDGE_DATABASE_URL", url)
    monkeypatch.setenv("AGROBRIDGE_DB_ALLOW_UNIX_SOCKET", "true")

    assert Settings().database_url.get_secret_value() == url


def test_production_refuses_a_redis_url_without_a_password(monkeypatch, base_env):
    monkeypatch.setenv("AGROBRIDGE_ENV", "production")
    monkeypatch.setenv("AGROBRIDGE_REDIS_URL", "redis://cache.internal:6379/0")

    with pytest.raises(ValidationError) as caught:
        Settings()

    assert "AGROBRIDGE_REDIS_URL" in str(caught.value)


def test_trusted_proxies_are_networks(monkeypatch, base_env):
    monkeypatch.setenv("AGROBRIDGE_TRUSTED_PROXIES", "10.0.0.0/8, fd00::/8")
    assert [str(n) for n in Settings().trusted_proxies] == ["10.0.0.0/8", "fd00::/8"]
    monkeypatch.setenv("AGROBRIDGE_TRUSTED_PROXIES", "10.0.0.300/8")
    with pytest.raises(ValidationError):
        Settings()


def test_an_smtp_username_without_a_password_is_refused(monkeypatch, base_env):
    monkeypatch.setenv("AGROBRIDGE_SMTP_HOST", "mail.internal")
    monkeypatch.setenv("AGROBRIDGE_SMTP_USERNAME", "mailer")

    with pytest.raises(ValidationError, match="AGROBRIDGE_SMTP_PASSWORD"):
        Settings()


def test_empty_smtp_settings_mean_no_server_and_no_login(monkeypatch, base_env):
    for name in ("HOST", "USERNAME", "PASSWORD"):
        monkeypatch.setenv(f"AGROBRIDGE_SMTP_{name}", "")

    settings = Settings()

    assert (settings.smtp_host, settings.smtp_username, settings.smtp_password) == (None,) * 3


def test_production_refuses_an_smtp_login_without_starttls(monkeypatch, base_env):
    monkeypatch.setenv("AGROBRIDGE_ENV", "production")
    monkeypatch.setenv("AGROBRIDGE_SMTP_HOST", "mail.internal")
    monkeypatch.setenv("AGROBRIDGE_SMTP_USERNAME", "mailer")
    monkeypatch.setenv("AGROBRIDGE_SMTP_PASSWORD", "smtp-pw-5521")

    with pytest.raises(SystemExit, match="AGROBRIDGE_SMTP_STARTTLS") as caught:
        load_settings()
    assert "smtp-pw-5521" not in str(caught.value)

    monkeypatch.setenv("AGROBRIDGE_SMTP_STARTTLS", "true")
    settings = Settings()
    assert "smtp-pw-5521" not in repr(settings)
    assert settings.smtp_password is not None
    assert settings.smtp_password.get_secret_value() == "smtp-pw-5521"


def test_production_refuses_a_listen_url_without_tls_or_with_a_weak_password(monkeypatch, base_env):
    monkeypatch.setenv("AGROBRIDGE_ENV", "production")
    monkeypatch.setenv("AGROBRIDGE_DB_POOLER", "pgbouncer")
    for url, problem in [
        (f"postgres://agrobridge:{STRONG}@db.internal/agrobridge", "TLS is required"),
        ("postgres://agrobridge:changeme@db.internal/agrobridge?sslmode=require", "default"),
    ]:
        monkeypatch.setenv("AGROBRIDGE_DATABASE_LISTEN_URL", url)
        with pytest.raises(ValidationError) as caught:
            Settings()
        assert "AGROBRIDGE_DATABASE_LISTEN_URL" in str(caught.value)
        assert problem in str(caught.value)


def test_behind_pgbouncer_only_a_listen_url_is_listened_on(monkeypatch, base_env):
    assert Settings().listen_url == STRONG_URL
    monkeypatch.setenv("AGROBRIDGE_DB_POOLER", "pgbouncer")
    assert Settings().pooled
    assert Settings().listen_url is None
    direct = STRONG_URL.replace("db.internal:5432", "db.internal:5433")
    monkeypatch.setenv("AGROBRIDGE_DATABASE_LISTEN_URL", direct)
    assert Settings().listen_url == direct


def test_an_unknown_pooler_is_refused(monkeypatch, base_env):
    monkeypatch.setenv("AGROBRIDGE_DB_POOLER", "pgpool")
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert "db_pooler" in str(caught.value)


def test_production_takes_plain_loopback_to_pgbouncer_only(monkeypatch, base_env):
    monkeypatch.setenv("AGROBRIDGE_ENV", "production")
    loopback = f"postgres://agrobridge:{STRONG}@127.0.0.1:6432/agrobridge"
    monkeypatch.setenv("AGROBRIDGE_DATABASE_URL", loopback)
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert "TLS is required" in str(caught.value)

    monkeypatch.setenv("AGROBRIDGE_DB_POOLER", "pgbouncer")
    assert Settings().pooled
    for host in ("localhost", "db.internal", "10.0.0.5"):
        monkeypatch.setenv("AGROBRIDGE_DATABASE_URL", loopback.replace("127.0.0.1", host))
        with pytest.raises(ValidationError):
            Settings()


def test_an_empty_listen_url_means_none(monkeypatch, base_env):
    monkeypatch.setenv("AGROBRIDGE_ENV", "production")
    monkeypatch.setenv("AGROBRIDGE_DATABASE_LISTEN_URL", "")
    assert Settings().database_listen_url is None
