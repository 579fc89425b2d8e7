"""A real multi-worker API server in a subprocess, for the end-to-end tier."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.processes import stop_group


@dataclass(frozen=True)
class RunningServer:
    url: str
    log: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_module(
    args: list[str], env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api", *args],
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def start_server(env: dict[str, str], log: Path, workers: int = 2) -> RunningServer:
    """`python -m api serve` on a free port, in its own process group; not waited for."""
    port = free_port()
    full_env = {
        **os.environ,
        **env,
        "AGROBRIDGE_HOST": "127.0.0.1",
        "AGROBRIDGE_PORT": str(port),
        "AGROBRIDGE_WORKERS": str(workers),
    }
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "api", "serve"],
            env=full_env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return RunningServer(f"http://127.0.0.1:{port}", log, process)


@contextmanager
def api_server(
    env: dict[str, str], log: Path, workers: int = 2, ready_path: str = "/api/v1/health"
) -> Iterator[RunningServer]:
    server = start_server(env, log, workers)
    process = server.process
    try:
        _wait_until_serving(server, ready_path, workers)
        yield server
    finally:
        _stop(process)


def _wait_until_serving(server: RunningServer, path: str, workers: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log_text()[-4000:]}")
        try:
            answered = httpx.get(server.url + path, timeout=2).status_code == 200
            if answered and server.log_text().count("Worker ready") >= workers:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server not ready in 120 s:\n{server.log_text()[-4000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    stop_group(process, seconds=20)
