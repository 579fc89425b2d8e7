"""Slow clients and slow answers are cut at their bounds, with the right status."""

import signal
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.faults.conftest import LIMITS, Stack, create_batch, fault_env, producer
from tests.support.server import RunningServer, api_server

pytestmark = pytest.mark.faults

READ_TIMEOUT = float(LIMITS["AGROBRIDGE_REQUEST_READ_TIMEOUT_SECONDS"])


def address(server: RunningServer) -> tuple[str, int]:
    parts = urlsplit(server.url)
    return parts.hostname or "127.0.0.1", parts.port or 0


def test_a_client_trickling_its_headers_is_cut_at_the_read_timeout(server: RunningServer) -> None:
    request = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
    started = time.monotonic()
    with socket.create_connection(address(server), timeout=5) as sock:
        closed_after = None
        for byte in request:
            try:
                sock.sendall(bytes([byte]))
                sock.settimeout(0.25)
                if sock.recv(1024) is not None:
                    closed_after = time.monotonic() - started
                    break
            except TimeoutError:
                continue  # nothing from the server yet: keep trickling
            except OSError:
                closed_after = time.monotonic() - started
                break
    print(f"trickling client cut after {closed_after} s")
    assert closed_after is not None, "the server kept reading for the whole trickle"
    assert closed_after < READ_TIMEOUT + 2


def test_an_answer_past_the_response_timeout_is_a_503(
    stack: Stack, signing_key: Path, tmp_path: Path
) -> None:
    env = fault_env(
        stack,
        signing_key,
        AGROBRIDGE_RESPONSE_TIMEOUT_SECONDS="1",
        AGROBRIDGE_DB_STATEMENT_TIMEOUT_SECONDS="10",
    )
    with api_server(env, tmp_path / "api.log", workers=1) as server:
        who = producer(server.url)
        batch = create_batch(server.url, who)
        stack.signal_postgres(signal.SIGSTOP)
        try:
            url = server.url + f"/api/v1/batches/{batch['id']}"
            response = httpx.get(url, headers=who.auth, timeout=30)
        finally:
            stack.signal_postgres(signal.SIGCONT)
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "unavailable"
        assert response.headers["Retry-After"]
        assert "unhandled error" not in server.log_text()
