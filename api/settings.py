"""One validated settings object, read from the environment and nowhere else."""

import os
import re
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network, ip_address
from pathlib import Path
from typing import Annotated, Literal, Self, TypeVar
from urllib.parse import parse_qs, parse_qsl, urlsplit

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Passwords that ship in examples and must never reach a production database; compared
# lower-cased with punctuation dropped, so "CHANGE-ME" counts as "changeme".
WEAK_DB_PASSWORDS = frozenset(
    {"", "postgres", "password", "agrobridge", "changeme", "secret", "test", "admin"}
)


def _is_weak(password: str) -> bool:
    return re.sub(r"[^a-z0-9]", "", password.lower()) in WEAK_DB_PASSWORDS


TLS_SSLMODES = frozenset({"require", "verify-ca", "verify-full"})


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    STAGING = "staging"
    PRODUCTION = "production"


class DatabaseSettings(BaseSettings):
    """What migrations need: a subset, so that they run without the API's keys."""

    model_config = SettingsConfigDict(env_prefix="AGROBRIDGE_", extra="ignore", frozen=True)

    # Secret: the URLs carry passwords, and must not show in a repr or a log line.
    database_url: SecretStr = Field(
        validation_alias=AliasChoices("AGROBRIDGE_DATABASE_URL", "DATABASE_URL")
    )
    db_pool_min: int = Field(1, ge=1)
    db_pool_max: int = Field(10, ge=1)
    # Every wait on PostgreSQL is bounded; past a bound the request gets a 503 with Retry-After.
    db_acquire_timeout_seconds: float = Field(3.0, gt=0, le=60)
    db_statement_timeout_seconds: float = Field(5.0, gt=0, le=300)
    db_lock_timeout_seconds: float = Field(2.0, gt=0, le=60)
    # Connections the pool keeps for reads when writes queue on locked rows.
    db_pool_reserved_for_reads: int = Field(2, ge=0)
    # The API's own database role: `migrate`, run as the tables' owner, grants it its rights.
    db_runtime_role: str | None = None
    # "pgbouncer": AGROBRIDGE_DATABASE_URL names PgBouncer in transaction mode (docs/production.md,
    # "Connection pooling"): no prepared statements kept, no session settings sent.
    db_pooler: Literal["none", "pgbouncer"] = "none"
    # A direct connection to PostgreSQL for what transaction pooling cannot pass on: the webhook
    # worker's LISTEN. Unset behind PgBouncer, the worker polls.
    database_listen_url: SecretStr | None = None

    @field_validator("database_url")
    @classmethod
    def _refuse_repeated_parameters(cls, url: SecretStr) -> SecretStr:
        # Our checks would read one copy and the driver another (`?sslmode=require&sslmode=
        # disable` passed the TLS check and connected without TLS): a URL says each once.
        names = [name for name, _ in parse_qsl(urlsplit(url.get_secret_value()).query, True)]
        if repeated := sorted({name for name in names if names.count(name) > 1}):
            raise ValueError(
                f"AGROBRIDGE_DATABASE_URL: the query parameter {', '.join(repeated)} is given"
                " more than once"
            )
        return url

    @field_validator("database_listen_url", mode="before")
    @classmethod
    def _unset_when_empty(cls, url: object) -> object:
        return None if url == "" else url

    @property
    def pooled(self) -> bool:
        return self.db_pooler == "pgbouncer"

    @property
    def listen_url(self) -> str | None:
        """Where LISTEN works: the listen URL, else the database URL unless it is pooled."""
        if self.database_listen_url is not None:
            return self.database_listen_url.get_secret_value()
        return None if self.pooled else self.database_url.get_secret_value()


class Settings(DatabaseSettings):
    env: Environment = Environment.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(2, ge=1, le=64, description="Sanic worker processes")
    # How long a starting worker may take before the server gives up on it.
    worker_start_timeout_seconds: float = Field(90.0, ge=10, le=600)
    # After SIGTERM: stop accepting at once, let requests in flight finish within this time.
    shutdown_grace_seconds: float = Field(8.0, gt=0, le=60)
    # Sanic's REQUEST_TIMEOUT, RESPONSE_TIMEOUT and KEEP_ALIVE_TIMEOUT. nginx in front must
    # drop idle connections sooner and wait longer: the deployment sets both sides from the
    # same variables (ansible/playbooks/group_vars/all/limits.yml, whose values these equal).
    # A request must arrive whole (headers and body) within this time; slow clients are cut.
    request_read_timeout_seconds: float = Field(10.0, gt=0, le=300)
    # A handler that takes longer answers 503 (every database wait is bounded well below it).
    response_timeout_seconds: float = Field(20.0, gt=0, le=300)
    # An idle connection is closed after this (Sanic checks every min(timeouts) / 2 seconds, so
    # between 5 and 7.5 s with the defaults).
    keep_alive_timeout_seconds: float = Field(5.0, gt=0, le=300)
    # How long an Idempotency-Key and the response it produced are kept.
    idempotency_ttl_seconds: int = Field(24 * 3600, ge=60)

    redis_url: SecretStr = Field(validation_alias=AliasChoices("AGROBRIDGE_REDIS_URL", "REDIS_URL"))

    jwt_private_key_file: Path
    # Older public keys that still verify tokens signed before a rotation (comma separated).
    jwt_verify_key_files: Annotated[tuple[Path, ...], NoDecode] = ()
    jwt_issuer: str = "agrobridge"
    jwt_audience: str = "agrobridge-api"
    access_token_ttl_seconds: int = Field(15 * 60, ge=60, le=3600)
    refresh_idle_ttl_seconds: int = Field(7 * 24 * 3600, ge=300)
    session_max_ttl_seconds: int = Field(30 * 24 * 3600, ge=300)

    refresh_reuse_grace_seconds: int = Field(10, ge=0, le=120)

    # Client addresses: how many proxies (nginx) append to X-Forwarded-For in front of us,
    # or the secret nginx puts in `Forwarded: secret=...`. Neither set: the socket's peer.
    proxies_count: int = Field(0, ge=0, le=5)
    forwarded_secret: SecretStr | None = None
    # Only peers in these networks may set the client address through forwarding headers.
    trusted_proxies: Annotated[tuple[IPv4Network | IPv6Network, ...], NoDecode] = (
        IPv4Network("127.0.0.1/32"),
        IPv6Network("::1/128"),
    )
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()

    # Rate limits per minute (GCRA: the whole allowance may come as one burst).
    rate_limit_user_per_minute: int = Field(300, ge=1)
    rate_limit_anonymous_per_minute: int = Field(120, ge=1)
    rate_limit_auth_per_minute: int = Field(20, ge=1)
    # Machine clients: each client's own bucket (unless its registration sets another limit),
    # and the token endpoint's per address.
    rate_limit_client_per_minute: int = Field(600, ge=1)
    rate_limit_token_per_minute: int = Field(60, ge=1)
    # Failed logins: after this many for one account from one address, each further one
    # doubles a lockout up to the maximum; an address failing on many accounts is locked too.
    login_failures_before_lockout: int = Field(5, ge=1)
    login_lockout_max_seconds: int = Field(900, ge=1)
    login_failures_per_ip: int = Field(50, ge=1)
    login_failure_window_seconds: int = Field(900, ge=60)

    # Password hashing per worker: at most this many logins queued, and per client address.
    hash_queue_per_worker: int = Field(8, ge=1)
    hash_queue_per_address: int = Field(2, ge=1)
    # Audit rows one client may cause per minute for denials and rejected tokens.
    audit_denials_per_minute: int = Field(30, ge=1)
    # Public verification (no token): the base URL its QR codes point at, how long shared
    # caches may keep an answer, and requests per minute per client address.
    public_base_url: str = Field(
        "http://127.0.0.1:8000", pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$"
    )
    public_cache_seconds: int = Field(60, ge=0, le=86400)
    rate_limit_public_per_minute: int = Field(60, ge=1)

    # Sanic's REQUEST_MAX_SIZE: larger bodies get 413 before they are read (nginx's limit is
    # the same number, from the same variable).
    max_body_bytes: int = Field(1024 * 1024, ge=1024)
    # /docs and the OpenAPI document: on in development and test, off elsewhere unless set.
    docs_enabled: bool | None = None
    # Production wants TLS to PostgreSQL; a Unix socket on the same host is allowed only by this.
    db_allow_unix_socket: bool = False

    # Logs: readable on stderr in development; JSON lines elsewhere, on stdout (for the
    # container runtime) and, when log_dir is set, in four daily files kept as long as the
    # design asks: application 14 days, errors 30, HTTP access 7, exceptions 30.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool | None = None
    log_stdout: bool = True
    log_dir: Path | None = None
    log_retention_app_days: int = Field(14, ge=1)
    log_retention_error_days: int = Field(30, ge=1)
    log_retention_http_days: int = Field(7, ge=1)
    log_retention_exceptions_days: int = Field(30, ge=1)

    # Errors go to Sentry only when a DSN is set.
    sentry_dsn: SecretStr | None = None
    sentry_environment: str | None = None
    sentry_release: str | None = None
    sentry_sample_rate: float = Field(1.0, ge=0, le=1)
    sentry_traces_sample_rate: float = Field(0.0, ge=0, le=1)

    # Invitation mail goes out over SMTP only when a host is set. With a username and password
    # it logs in (after STARTTLS when smtp_starttls, which production requires for a login).
    smtp_host: str | None = None
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_sender: str = "AgroBridge <no-reply@localhost>"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(10.0, gt=0, le=120)

    # /metrics answers loopback peers only, or callers with this bearer token.
    metrics_token: SecretStr | None = None
    # Where the workers share their metrics; a fresh temporary folder when unset.
    metrics_dir: Path | None = None

    # Webhooks (docs/API.md, "Webhooks"); the delivery worker is `python -m api webhooks`.
    # Private, loopback and link-local targets (and plain http://) only where this allows them:
    # tests and development; refused in staging and production (SSRF).
    webhook_allow_private_targets: bool = False
    # One delivery's whole exchange with its endpoint, connection included.
    webhook_timeout_seconds: float = Field(5.0, gt=0, le=30)
    # Deliveries one worker sends at once, and at most per endpoint across every worker.
    webhook_concurrency: int = Field(32, ge=1, le=1000)
    webhook_per_endpoint: int = Field(4, ge=1, le=100)
    # How often an idle worker looks for due deliveries (besides being woken by PostgreSQL's
    # NOTIFY when a change with deliveries commits).
    webhook_poll_seconds: float = Field(0.25, gt=0, le=60)
    # A worker holds a delivery this long; killed meanwhile, another takes it after.
    webhook_lease_seconds: float = Field(60.0, gt=0, le=3600)
    # Backoff: the first wait, doubling up to the ceiling, with jitter; given up (and the
    # endpoint disabled) once a delivery has failed for the window.
    webhook_retry_first_seconds: float = Field(5.0, gt=0)
    webhook_retry_ceiling_seconds: float = Field(6 * 3600.0, gt=0)
    webhook_retry_window_seconds: float = Field(3 * 24 * 3600.0, gt=0)
    # After a rotation, the replaced secret signs too for this long.
    webhook_rotation_overlap_seconds: int = Field(24 * 3600, ge=0, le=30 * 24 * 3600)
    # The worker's /metrics, on loopback; 0: not served.
    webhook_metrics_host: str = "127.0.0.1"
    webhook_metrics_port: int = Field(9464, ge=0, le=65535)

    @model_validator(mode="before")
    @classmethod
    def _split_lists(cls, data: dict[str, object]) -> dict[str, object]:
        for name in ("jwt_verify_key_files", "cors_origins", "trusted_proxies"):
            raw = data.get(name)
            if isinstance(raw, str):
                data[name] = tuple(p.strip() for p in raw.split(",") if p.strip())
        return data

    @field_validator("smtp_host", "smtp_username", "smtp_password", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `.env.example` lists them empty: an empty value means no server, no login.
        return None if value == "" else value

    @model_validator(mode="after")
    def _smtp_login_whole(self) -> Self:
        if (self.smtp_username is None) != (self.smtp_password is None):
            raise ValueError(
                "AGROBRIDGE_SMTP_USERNAME and AGROBRIDGE_SMTP_PASSWORD: set both or neither"
            )
        return self

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> Self:
        # A lease ending while its send may still run would let a second worker send it too.
        if self.webhook_lease_seconds <= 2 * self.webhook_timeout_seconds:
            raise ValueError(
                "AGROBRIDGE_WEBHOOK_LEASE_SECONDS: must be more than twice the webhook timeout"
            )
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if self.env not in (Environment.STAGING, Environment.PRODUCTION):
            return self
        for name, url in self._database_urls():
            if _is_weak(urlsplit(url.get_secret_value()).password or ""):
                raise ValueError(
                    f"{name}: a missing or default database password is refused in {self.env.value}"
                )
        if self.env == Environment.PRODUCTION:
            self._refuse_plain_transports()
        if not self.jwt_private_key_file.is_file():
            raise ValueError(
                f"AGROBRIDGE_JWT_PRIVATE_KEY_FILE: {self.jwt_private_key_file} does not exist"
            )
        if self.webhook_allow_private_targets:
            raise ValueError(
                "AGROBRIDGE_WEBHOOK_ALLOW_PRIVATE_TARGETS: webhooks to private addresses are"
                f" refused in {self.env.value}"
            )
        if self.env == Environment.PRODUCTION and (problem := self._public_base_url_problem()):
            raise ValueError(f"AGROBRIDGE_PUBLIC_BASE_URL: {problem} in production")
        return self

    def _database_urls(self) -> list[tuple[str, SecretStr]]:
        urls = [("AGROBRIDGE_DATABASE_URL", self.database_url)]
        if self.database_listen_url is not None:
            urls.append(("AGROBRIDGE_DATABASE_LISTEN_URL", self.database_listen_url))
        return urls

    def _refuse_plain_transports(self) -> None:
        for name, url in self._database_urls():
            # PgBouncer beside the API: loopback never leaves the host, and PgBouncer goes on
            # to PostgreSQL over TLS (roles/pgbouncer).
            local = self.pooled and name == "AGROBRIDGE_DATABASE_URL"
            if problem := _database_transport_problem(url, self.db_allow_unix_socket, local):
                raise ValueError(f"{name}: {problem} in production")
        if not urlsplit(self.redis_url.get_secret_value()).password:
            raise ValueError(
                "AGROBRIDGE_REDIS_URL: a Redis URL without a password is refused in production"
            )
        if self.smtp_host and self.smtp_password is not None and not self.smtp_starttls:
            raise ValueError(
                "AGROBRIDGE_SMTP_STARTTLS: an SMTP login without STARTTLS is refused in production"
            )

    def _public_base_url_problem(self) -> str | None:
        """The QR codes printed on boxes encode this URL: it must be the public HTTPS name."""
        if "public_base_url" not in self.model_fields_set:
            return "it must be set (the QR codes on the boxes encode it)"
        parts = urlsplit(self.public_base_url)
        if parts.scheme != "https":
            return "it must be an https:// URL"
        if _is_loopback(parts.hostname or ""):
            return "a loopback address is refused"
        return None

    @property
    def is_production_like(self) -> bool:
        return self.env in (Environment.STAGING, Environment.PRODUCTION)

    @property
    def serves_docs(self) -> bool:
        if self.docs_enabled is not None:
            return self.docs_enabled
        return not self.is_production_like

    @property
    def logs_as_json(self) -> bool:
        if self.log_json is not None:
            return self.log_json
        return self.env != Environment.DEVELOPMENT


def _is_loopback(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _is_loopback_address(host: str) -> bool:
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _database_transport_problem(
    url: SecretStr, allow_unix_socket: bool, allow_loopback: bool = False
) -> str | None:
    parts = urlsplit(url.get_secret_value())
    query = parse_qs(parts.query)
    host = (query.get("host") or [parts.hostname or ""])[0]
    if allow_loopback and _is_loopback_address(host):
        return None
    if host.startswith("/"):
        if allow_unix_socket:
            return None
        return "a Unix socket needs AGROBRIDGE_DB_ALLOW_UNIX_SOCKET=true"
    if (query.get("sslmode") or [""])[0] not in TLS_SSLMODES:
        return "TLS is required: add ?sslmode=verify-full (or require)"
    return None


S = TypeVar("S", bound=DatabaseSettings)


def load_settings() -> Settings:
    """Settings from the environment; on error, name the variables but never echo values.

    With AGROBRIDGE_SECRETS_DIR set, a file there named like a variable (for example
    `AGROBRIDGE_DATABASE_URL`, mounted from a secret store) supplies that variable's value.
    """
    return _load(Settings)


def load_database_settings() -> DatabaseSettings:
    """What `migrate` and `create-user` need, read the same way as load_settings."""
    return _load(DatabaseSettings)


def _load(kind: type[S]) -> S:
    secrets_dir = os.environ.get("AGROBRIDGE_SECRETS_DIR")
    try:
        return kind(_secrets_dir=secrets_dir) if secrets_dir else kind()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False)
        )
        raise SystemExit(f"invalid settings: {problems}") from None
