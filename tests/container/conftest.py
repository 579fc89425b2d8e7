"""The image tests: the built API image, run as staging and production would run it.

Opt-in: they start containers from the image named by AGROBRIDGE_TEST_IMAGE (build one with
scripts/build-image.sh) with podman or docker. Without that variable this folder is deselected,
and the terminal summary says so and how to run it; with it and no engine, they fail.
"""

import os
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.container.engine import Engine, EngineError, find_engine, image_id

HERE = Path(__file__).parent
HOW_TO_RUN = (
    "tests/container: {n} image test(s) deselected; to run them, build the image and name it: "
    "scripts/build-image.sh && AGROBRIDGE_TEST_IMAGE=agrobridge-api:<version> "
    "just test tests/container (docs/container.md)"
)
DESELECTED = pytest.StashKey[int]()

POSTGRES_IMAGE = os.environ.get(
    "AGROBRIDGE_TEST_POSTGRES_IMAGE", "docker.io/library/postgres:16-alpine"
)
REDIS_IMAGE = os.environ.get("AGROBRIDGE_TEST_REDIS_IMAGE", "docker.io/library/redis:7-alpine")
KEY_DIR_IN_CONTAINER = "/run/secrets/agrobridge"
API_UID = "10001"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "container: runs the API image named by AGROBRIDGE_TEST_IMAGE (opt-in)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("AGROBRIDGE_TEST_IMAGE"):
        return
    mine = [item for item in items if HERE in item.path.parents]
    if mine:
        items[:] = [item for item in items if HERE not in item.path.parents]
        config.hook.pytest_deselected(items=mine)
        config.stash[DESELECTED] = len(mine)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    if count := config.stash.get(DESELECTED, 0):
        terminalreporter.write_line(HOW_TO_RUN.format(n=count), yellow=True)


@pytest.fixture(scope="session")
def engine() -> Engine:
    try:
        return find_engine()
    except EngineError as exc:
        pytest.fail(str(exc), pytrace=False)


@dataclass(frozen=True)
class Image:
    ref: str
    id: str
    inspect: dict[str, object]


@pytest.fixture(scope="session")
def image(engine: Engine) -> Image:
    ref = os.environ["AGROBRIDGE_TEST_IMAGE"]
    try:
        found = engine.inspect("image", ref)
    except EngineError:
        pytest.fail(
            f"AGROBRIDGE_TEST_IMAGE={ref}: no such image for {engine.cli}; build it with "
            "scripts/build-image.sh",
            pytrace=False,
        )
    return Image(ref, image_id(found["Id"]), found)


@dataclass(frozen=True)
class Database:
    user: str
    password: str
    name: str


@dataclass(frozen=True)
class Stack:
    """A private network with PostgreSQL (one database per environment) and Redis."""

    network: str
    postgres_ip: str
    redis_ip: str
    databases: dict[str, Database]
    suffix: str
    redis_password: str

    def database_url(self, env: str, password: str | None = None) -> str:
        db = self.databases[env]
        # Production insists on TLS to PostgreSQL (the server has a self-signed certificate).
        tls = "?sslmode=require" if env == "production" else ""
        return (
            f"postgres://{db.user}:{password or db.password}@{self.postgres_ip}:5432/{db.name}"
            + tls
        )

    def redis_url(self, db: int) -> str:
        return f"redis://:{self.redis_password}@{self.redis_ip}:6379/{db}"


def self_signed_certificate() -> tuple[str, str]:
    """A key and certificate for the test PostgreSQL's TLS (PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "postgres")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return key_pem.decode(), cert.public_bytes(serialization.Encoding.PEM).decode()


def enable_tls(engine: Engine, postgres: str) -> None:
    psql = ["exec", "-i", postgres, "psql", "-q", "-v", "ON_ERROR_STOP=1", "-U", "postgres"]
    data = engine.run(*psql, "-tAc", "SHOW data_directory").stdout.strip()
    key, cert = self_signed_certificate()
    for name, pem in (("server.key", key), ("server.crt", cert)):
        engine.run(
            "exec", "-i", "--user", "postgres", postgres,
            "sh", "-c", f"umask 077 && cat > {data}/{name}", stdin=pem,
        )  # fmt: skip
    # server.crt and server.key in the data directory are PostgreSQL's defaults.
    engine.run(
        *psql, "-d", "postgres", stdin="ALTER SYSTEM SET ssl = on;\nSELECT pg_reload_conf();\n"
    )


@pytest.fixture(scope="module")
def stack(engine: Engine) -> Iterator[Stack]:
    suffix = uuid.uuid4().hex[:8]
    network, postgres, redis = (
        f"agrobridge-test-{part}-{suffix}" for part in ("net", "pg", "redis")
    )
    engine.run("network", "create", network)
    try:
        engine.run(
            "run", "-d", "--name", postgres, "--network", network,
            "-e", "POSTGRES_USER=postgres", "-e", f"POSTGRES_PASSWORD={secrets.token_hex(16)}",
            "-e", "POSTGRES_DB=postgres", POSTGRES_IMAGE,
            timeout=300,
        )  # fmt: skip
        engine.run("run", "-d", "--name", redis, "--network", network, REDIS_IMAGE, timeout=300)
        engine.wait_until(
            postgres, ["pg_isready", "-q", "-h", "127.0.0.1", "-U", "postgres"], "accepting"
        )
        engine.wait_until(redis, ["redis-cli", "ping"], "answering")
        # Production refuses Redis without a password and PostgreSQL without TLS.
        redis_password = secrets.token_hex(16)
        engine.run("exec", redis, "redis-cli", "CONFIG", "SET", "requirepass", redis_password)
        enable_tls(engine, postgres)
        # Each environment gets its own role and database, with a strong random password.
        databases = {
            env: Database(env, secrets.token_hex(16), f"agrobridge_{env}")
            for env in ("staging", "production")
        }
        sql = "".join(
            f"CREATE ROLE {db.user} LOGIN PASSWORD '{db.password}';"
            f"CREATE DATABASE {db.name} OWNER {db.user};"
            for db in databases.values()
        )
        engine.run(
            "exec", "-i", postgres, "psql", "-q", "-v", "ON_ERROR_STOP=1", "-U", "postgres",
            "-d", "postgres", stdin=sql,
        )  # fmt: skip
        yield Stack(
            network,
            engine.ip_address(postgres, network),
            engine.ip_address(redis, network),
            databases,
            suffix,
            redis_password,
        )
    except EngineError as exc:
        pytest.fail(str(exc), pytrace=False)
    finally:
        engine.remove(postgres, redis)
        engine.run("network", "rm", network, check=False)


@pytest.fixture(scope="module")
def key_dir(engine: Engine, image: Image, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A signing key made by the image's own `keygen`, so the API's user owns it (mode 0600)."""
    folder = tmp_path_factory.mktemp("keys")
    folder.chmod(0o777)  # only while the container's user writes the key into it
    try:
        engine.run(
            "run", "--rm", "--user", f"{API_UID}:{API_UID}",
            "-v", f"{folder}:{KEY_DIR_IN_CONTAINER}", image.ref,
            "keygen", f"{KEY_DIR_IN_CONTAINER}/jwt-signing.pem",
        )  # fmt: skip
    finally:
        folder.chmod(0o755)
    return folder
