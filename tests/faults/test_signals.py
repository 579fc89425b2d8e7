"""SIGTERM drains within the grace period; a worker killed outright is replaced."""

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.conftest import batch_body
from tests.faults.conftest import LIMITS, Stack, create_batch, fault_env, fetch_value, producer
from tests.support.processes import stop_group
from tests.support.server import RunningServer, api_server, start_server
from tests.support.waiting import wait_until

pytestmark = pytest.mark.faults

GRACE = float(LIMITS["AGROBRIDGE_SHUTDOWN_GRACE_SECONDS"])


class Load:
    """Clients on kept-alive connections, writing and reading as fast as they can."""

    def __init__(self, server: RunningServer, clients: int = 8) -> None:
        self.server = server
        self.who = producer(server.url)
        self.batch = create_batch(server.url, self.who)
        self.outcomes: Counter[str] = Counter()
        self.created = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _run(self) -> None:
        with httpx.Client(base_url=self.server.url + "/api/v1", headers=self.who.auth) as http:
            write = False
            while not self.stop.is_set():
                write = not write
                try:
                    if write:
                        response = http.post("/batches", json=batch_body(), timeout=10)
                    else:
                        response = http.get(f"/batches/{self.batch['id']}", timeout=10)
                except httpx.ConnectError:
                    self._count("refused")  # a new connection after the signal: expected
                    time.sleep(0.02)
                    continue
                except httpx.HTTPError as exc:
                    self._count(type(exc).__name__)  # dropped after it was sent: a failure
                    continue
                self._count(str(response.status_code), response.status_code == 201)

    def _count(self, outcome: str, created: bool = False) -> None:
        with self.lock:
            self.outcomes[outcome] += 1
            self.created += created


def connect_outcome(address: tuple[str, int]) -> str:
    try:
        with socket.create_connection(address, timeout=2) as sock:
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            return "answered" if sock.recv(64).startswith(b"HTTP/1.1 200") else "dropped"
    except ConnectionRefusedError:
        return "refused"
    except OSError as exc:
        return type(exc).__name__


def test_sigterm_under_load_stops_accepting_at_once_and_finishes_what_started(
    stack: Stack, signing_key: Path, tmp_path: Path
) -> None:
    with api_server(fault_env(stack, signing_key), tmp_path / "api.log", workers=2) as server:
        load = Load(server)
        load.start()
        assert wait_until(lambda: load.outcomes["201"] > 50, seconds=30)
        parts = urlsplit(server.url)
        address = (parts.hostname or "127.0.0.1", parts.port or 0)

        signalled = time.monotonic()
        os.kill(server.process.pid, signal.SIGTERM)
        probes: Counter[str] = Counter()
        while server.process.poll() is None and time.monotonic() - signalled < GRACE + 10:
            if time.monotonic() - signalled > 0.2:
                probes[connect_outcome(address)] += 1
            time.sleep(0.05)
        exited = time.monotonic() - signalled
        load.join()
        code = server.process.wait(timeout=10)

        stored = asyncio.run(
            fetch_value(
                stack.database_url,
                "SELECT count(*) FROM batches "
                "WHERE owner_id = (SELECT owner_id FROM batches WHERE id = $1)",
                load.batch["id"],
            )
        )
    print(
        f"exit code {code} after {exited:.2f} s; outcomes {dict(load.outcomes)}; "
        f"new connections after the signal {dict(probes)}; stored {stored}, "
        f"acknowledged {load.created + 1}"
    )
    assert code == 0
    assert exited < GRACE + 5  # the grace period, plus the processes' own exit on a busy machine
    dropped = {k: v for k, v in load.outcomes.items() if not k.isdigit() and k != "refused"}
    assert dropped == {}, "requests sent on a kept-alive connection were dropped"
    assert {k for k in load.outcomes if k.isdigit()} <= {"200", "201"}
    assert probes
    assert set(probes) == {"refused"}
    # Every write that committed was answered, and every answered write committed.
    assert stored == load.created + 1


def worker_pids(log: str) -> list[int]:
    return [int(pid) for pid in re.findall(r"Starting worker \[(\d+)\]", log)]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"


def test_a_worker_killed_outright_is_replaced_within_seconds(
    stack: Stack, signing_key: Path, tmp_path: Path
) -> None:
    with api_server(fault_env(stack, signing_key), tmp_path / "api.log", workers=2) as server:
        first = worker_pids(server.log_text())
        assert len(first) == 2
        killed = time.monotonic()
        os.kill(first[0], signal.SIGKILL)
        replaced = wait_until(
            lambda: any(alive(pid) for pid in set(worker_pids(server.log_text())) - set(first)),
            seconds=30,
        )
        took = time.monotonic() - killed
        log = server.log_text()
        print(f"replacement serving after {took:.2f} s")
        assert replaced, log[-3000:]
        assert "died with exit code -9: starting a replacement" in log
        assert alive(first[1])
        assert wait_until(lambda: log_count(server, "Worker ready") >= 3, seconds=30)
        for _ in range(20):
            assert httpx.get(server.url + "/api/v1/health", timeout=5).status_code == 200


def log_count(server: RunningServer, text: str) -> int:
    return server.log_text().count(text)


@pytest.mark.parametrize("moment", ["Starting worker", "Worker ready"])
def test_sigterm_while_workers_start_stops_the_server_cleanly(
    moment: str, stack: Stack, signing_key: Path, tmp_path: Path
) -> None:
    """A stop that lands while the workers still come up (a deploy cancelled, a container
    stopped at once) ends the server and every worker, with a clean exit."""
    server = start_server(fault_env(stack, signing_key), tmp_path / "api.log", workers=2)
    process, log = server.process, server.log
    try:
        assert wait_until(lambda: moment in server.log_text(), seconds=90)
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running 30 s after SIGTERM:\n{log.read_text()[-3000:]}")
        assert code == 0, log.read_text()[-3000:]
        assert wait_until(partial(group_gone, process.pid), seconds=10), "a worker outlived it"
    finally:
        stop_group(process)


def group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


# How a stop reaches the server: systemd's stop signals every process of the unit (the group),
# `uv run` and tini forward their own copy to the main process, an operator presses Ctrl-C twice.
STORMS = {
    "group": [("group", signal.SIGTERM)],
    "group then main": [("group", signal.SIGTERM), ("main", signal.SIGTERM)],
    "twenty of both kinds to both": [
        (("group", "main")[i % 2], (signal.SIGTERM, signal.SIGINT)[i // 2 % 2]) for i in range(20)
    ],
}


def send_storm(pid: int, storm: list[tuple[str, signal.Signals]]) -> None:
    for where, signum in storm:
        with contextlib.suppress(ProcessLookupError):
            if where == "group":
                os.killpg(pid, signum)
            else:
                os.kill(pid, signum)
        time.sleep(0.05)  # spread over a second: some land in the middle of the drain


@pytest.mark.parametrize(
    ("moment", "storm"),
    [
        ("serving", "group"),
        ("serving", "group then main"),
        ("serving", "twenty of both kinds to both"),
        ("launched", "twenty of both kinds to both"),
        ("Starting worker", "twenty of both kinds to both"),
        ("Worker ready", "twenty of both kinds to both"),
    ],
)
def test_stop_signals_to_the_whole_group_end_every_process_within_the_grace(
    moment: str, storm: str, stack: Stack, signing_key: Path, tmp_path: Path
) -> None:
    """However many SIGTERMs and SIGINTs arrive, to the main process or to its whole group,
    before, during or after start-up, the server exits within its shutdown grace and leaves
    no process behind; once serving, every worker drains and ends by itself."""
    server = start_server(fault_env(stack, signing_key), tmp_path / "api.log", workers=2)
    process = server.process
    try:
        if moment == "launched":
            time.sleep(0.5)  # the interpreter is still importing the API
        elif moment == "serving":
            assert wait_until(lambda: serving(server), seconds=90), server.log_text()[-3000:]
        else:
            assert wait_until(lambda: moment in server.log_text(), seconds=90)
        signalled = time.monotonic()
        sender = threading.Thread(target=send_storm, args=(process.pid, STORMS[storm]))
        sender.start()
        try:
            code = process.wait(timeout=GRACE)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {GRACE} s after the signal:\n{server.log_text()[-3000:]}")
        exited = time.monotonic() - signalled
        sender.join()
        log = server.log_text()
        left = wait_until(partial(group_gone, process.pid), seconds=3)
        print(f"{storm} at {moment!r}: exit code {code} after {exited:.2f} s")
        # A stop before Python has set any handler is the default one: killed by SIGTERM or
        # SIGINT, which systemd counts as a clean stop too.
        assert code == 0 or (moment == "launched" and code in (-signal.SIGTERM, -signal.SIGINT)), (
            f"exit code {code}:\n{log[-3000:]}"
        )
        assert left, f"a process of the group outlived the server: {group_members(process.pid)}"
        if moment == "serving":
            assert log.count("Worker complete") == 2, log[-3000:]
            assert "killing" not in log.lower(), log[-3000:]
            assert "Traceback" not in log, log[-3000:]
    finally:
        stop_group(process)


def serving(server: RunningServer) -> bool:
    if log_count(server, "Worker ready") < 2:
        return False
    try:
        return httpx.get(server.url + "/api/v1/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def group_members(pgid: int) -> list[str]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                found.append(f"{stat.parent.name} ({fields[0]})")
    return found
