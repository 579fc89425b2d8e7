"""The fault-injection tier: a real two-worker server in front of a PostgreSQL and a Redis
that belong to this tier alone, so that it may freeze, stop, restart and flush them."""

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from api.infrastructure.db.config import Limits, session_settings
from tests.e2e.conftest import PASSWORD, batch_body, server_env
from tests.support.pgbouncer import bouncer_url, pgbouncer
from tests.support.server import RunningServer, api_server, free_port, run_module

pytestmark = pytest.mark.faults

SERVICES = Path(__file__).resolve().parents[2] / "scripts" / "dev-services.sh"

# Small bounds keep the tier fast; the defaults are larger (docs/runbook.md).
LIMITS = {
    "AGROBRIDGE_DB_ACQUIRE_TIMEOUT_SECONDS": "2",
    "AGROBRIDGE_DB_STATEMENT_TIMEOUT_SECONDS": "3",
    "AGROBRIDGE_DB_LOCK_TIMEOUT_SECONDS": "1",
    "AGROBRIDGE_REQUEST_READ_TIMEOUT_SECONDS": "3",
    "AGROBRIDGE_SHUTDOWN_GRACE_SECONDS": "5",
    "AGROBRIDGE_LOG_STDOUT": "true",
}

# What the API would send to PostgreSQL itself with LIMITS, were it not pooled.
SESSION = session_settings(
    Limits(
        acquire=float(LIMITS["AGROBRIDGE_DB_ACQUIRE_TIMEOUT_SECONDS"]),
        statement=float(LIMITS["AGROBRIDGE_DB_STATEMENT_TIMEOUT_SECONDS"]),
        lock=float(LIMITS["AGROBRIDGE_DB_LOCK_TIMEOUT_SECONDS"]),
    )
)


@dataclass
class Stack:
    """PostgreSQL and Redis processes under one folder, as `just run` starts them."""

    folder: Path
    pg_port: int
    redis_port: int
    database_url: str = ""  # the cluster's admin: migrations and diagnostics
    direct_api_url: str = ""  # the API's own role, straight to PostgreSQL
    redis_url: str = ""
    bouncer_port: int | None = None  # PgBouncer in front of PostgreSQL, once it runs

    @property
    def api_url(self) -> str:
        """The API's own role, through PgBouncer once it runs, as on a provisioned host."""
        if self.bouncer_port is None:
            return self.direct_api_url
        return bouncer_url(self.direct_api_url, self.bouncer_port)

    def services(self, command: str) -> str:
        done = subprocess.run(
            [
                "bash",
                str(SERVICES),
                command,
                str(self.folder),
                str(self.pg_port),
                str(self.redis_port),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def start(self) -> None:
        self.services("start")
        env = dict(
            line.removeprefix("export ").split("=", 1)
            for line in self.services("env").splitlines()
            if line.startswith("export ")
        )
        self.database_url, self.redis_url = env["DATABASE_URL"], env["REDIS_URL"]
        self.direct_api_url = env["API_DATABASE_URL"]

    def postgres_pids(self) -> list[int]:
        postmaster = int((self.folder / "postgres" / "postmaster.pid").read_text().split()[0])
        return [postmaster, *children(postmaster)]

    def signal_postgres(self, signum: signal.Signals) -> None:
        for pid in self.postgres_pids():
            os.kill(pid, signum)

    def stop_postgres(self) -> None:
        user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(
            [*user, pg_ctl(), "-D", str(self.folder / "postgres"), "-m", "fast", "-w", "stop"],
            capture_output=True,
            timeout=60,
            check=True,
        )

    def restart_redis(self) -> None:
        """A clean restart: Redis writes its append-only file and reads it back."""
        subprocess.run(
            ["redis-cli", "-p", str(self.redis_port), "shutdown"], capture_output=True, check=False
        )
        self.services("start")

    def stop(self) -> None:
        self.thaw_postgres()
        self.services("stop")

    def thaw_postgres(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.signal_postgres(signal.SIGCONT)

    def lock_waiters(self) -> int:
        return int(
            asyncio.run(
                fetch_value(
                    self.database_url,
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'",
                )
            )
        )

    def idle_in_transaction(self) -> int:
        return int(
            asyncio.run(
                fetch_value(
                    self.database_url,
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
                )
            )
        )


def pg_ctl() -> str:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: p.parts)
    return str(found[-1]) if found else "pg_ctl"


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


async def fetch_value(url: str, query: str, *args: Any) -> Any:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetchval(query, *args)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    done = subprocess.run(["bash", str(SERVICES), "check"], check=False)
    if done.returncode != 0:
        pytest.fail(
            "the fault tier needs the PostgreSQL and Redis server binaries "
            "(scripts/install-test-deps.sh installs them)",
            pytrace=False,
        )
    # Not under pytest's folder: as root, the servers run as `postgres`, which must reach it.
    folder = Path(tempfile.mkdtemp(prefix="agrobridge-faults-"))
    running = Stack(folder, free_port(), free_port())
    try:
        running.start()
        migrated = run_module(
            ["migrate"],
            {"DATABASE_URL": running.database_url, "AGROBRIDGE_DB_RUNTIME_ROLE": "agrobridge_api"},
        )
        assert migrated.returncode == 0, migrated.stderr
        # The API reaches PostgreSQL through PgBouncer, as on a provisioned host, whose server
        # connections start with the timeouts that a pooled connection cannot send.
        users = {"agrobridge_api": urlsplit(running.direct_api_url).password or ""}
        with pgbouncer(
            folder / "pgbouncer", running.pg_port, "agrobridge", users, settings=SESSION
        ) as port:
            running.bouncer_port = port
            yield running
    finally:
        running.stop()
        shutil.rmtree(folder, ignore_errors=True)


def fault_env(stack: Stack, signing_key: Path, **extra: str) -> dict[str, str]:
    pooled = {"AGROBRIDGE_DB_POOLER": "pgbouncer"}
    return {**server_env(stack.api_url, stack.redis_url, signing_key), **LIMITS, **pooled, **extra}


@pytest.fixture(scope="module")
def server(
    stack: Stack, signing_key: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    log = tmp_path_factory.mktemp("faults") / "api.log"
    with api_server(fault_env(stack, signing_key), log, workers=2) as running:
        yield running


@dataclass(frozen=True)
class Producer:
    auth: dict[str, str]
    token: str


def producer(url: str) -> Producer:
    email = f"producer-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD, "full_name": "Faulty", "role": "producer"}
    with httpx.Client(base_url=url + "/api/v1", timeout=15) as http:
        assert http.post("/auth/register", json=body).status_code == 201
        token = http.post("/auth/login", json={"email": email, "password": PASSWORD}).json()[
            "access_token"
        ]
    return Producer({"Authorization": f"Bearer {token}"}, token)


def create_batch(url: str, who: Producer, **overrides: Any) -> dict[str, Any]:
    response = httpx.post(
        url + "/api/v1/batches", json=batch_body(**overrides), headers=who.auth, timeout=15
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
