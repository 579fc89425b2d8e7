"""Two checkouts run `just run` side by side: each gets its own PostgreSQL and Redis on ports of
its own, neither touches the other's data, and neither uses a server it did not start, even one
listening on the ports it would have picked."""

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx
import pytest
import redis

from tests.support.processes import stop_group
from tests.support.waiting import listening, wait_until

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Copper-Kettle-49-Lantern"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def copy_checkout(dest: Path) -> None:
    """The checkout's files as a clone would have them (tracked and new, not ignored)."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            target = dest / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def stopped(port: int) -> bool:
    return not listening(port)


def tool_path() -> str:
    dirs = [str(ROOT / ".tools" / "bin")]
    for tool in ("just", "uv"):
        found = shutil.which(tool)
        if found:
            dirs.insert(0, str(Path(found).parent))
    return os.pathsep.join([*dirs, os.environ["PATH"]])


class Checkout:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.log = path / "run.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    def run(self) -> None:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV"}
            and not key.startswith("AGROBRIDGE_")
        }
        env |= {"PATH": tool_path(), "AGROBRIDGE_PORT": str(self.port)}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                ["scripts/just", "run"],
                cwd=self.path,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def ready(self) -> bool:
        assert self.process is not None
        assert self.process.poll() is None, self.log.read_text()[-3000:]
        try:
            return httpx.get(f"{self.url}/health/ready", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def ports(self) -> dict[str, int]:
        lines = (self.path / ".data" / "dev" / "ports").read_text().split()
        return {key: int(value) for key, value in (line.split("=") for line in lines)}

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process, seconds=60)
        subprocess.run(["scripts/dev-services.sh", "stop", ".data/dev"], cwd=self.path, check=False)


@pytest.fixture
def foreign_redis() -> Iterator[redis.Redis]:
    """A Redis no checkout started, on the port a first checkout would pick when it is free."""
    port = 56379 if not listening(56379) else free_port()
    server = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    assert wait_until(lambda: listening(port), seconds=10)
    yield client
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def checkouts() -> Iterator[tuple[Checkout, Checkout]]:
    # Inside the checkout, not the system's temporary folder: PostgreSQL runs as its own user
    # when the tests run as root, and must reach its data folder.
    base = ROOT / ".data" / "side-by-side"
    shutil.rmtree(base, ignore_errors=True)
    pair = (Checkout(base / "one"), Checkout(base / "two"))
    for checkout in pair:
        copy_checkout(checkout.path)
    yield pair
    for checkout in pair:
        checkout.stop()
    shutil.rmtree(base, ignore_errors=True)


def test_two_checkouts_run_side_by_side_on_their_own_servers(
    checkouts: tuple[Checkout, Checkout], foreign_redis: redis.Redis
) -> None:
    one, two = checkouts
    for checkout in checkouts:
        checkout.run()
    for checkout in checkouts:
        assert wait_until(checkout.ready, seconds=300, every=1), checkout.log.read_text()[-3000:]

    foreign_port = foreign_redis.connection_pool.connection_kwargs["port"]
    ports = [set(one.ports().values()), set(two.ports().values())]
    assert not ports[0] & ports[1]
    assert foreign_port not in ports[0] | ports[1]

    # An account made through one checkout does not exist in the other's database.
    account = {"email": "side@example.com", "password": PASSWORD, "full_name": "Side By Side"}
    registered = httpx.post(f"{one.url}/auth/register", json={**account, "role": "producer"})
    assert registered.status_code == 201, registered.text
    login = {"email": account["email"], "password": PASSWORD}
    assert httpx.post(f"{one.url}/auth/login", json=login).status_code == 200
    assert httpx.post(f"{two.url}/auth/login", json=login).status_code == 401
    # Neither wrote a key (rate limits, sessions) into the Redis it did not start.
    assert foreign_redis.dbsize() == 0

    for checkout in checkouts:
        checkout.stop()
        for port in checkout.ports().values():
            assert wait_until(partial(stopped, port), seconds=30)
    assert foreign_redis.ping()
