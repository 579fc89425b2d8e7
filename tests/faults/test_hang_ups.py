"""Clients that hang up mid-request cost nothing: no leaked connection, no server error."""

import random
import re
import socket
import struct
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import orjson
import pytest

from tests.e2e.conftest import batch_body
from tests.faults.conftest import Producer, Stack, create_batch, producer
from tests.support.server import RunningServer
from tests.support.waiting import settled_metrics, wait_until

pytestmark = pytest.mark.faults

HANG_UPS = 2000


def raw_request(method: str, path: str, host: str, token: str, body: bytes) -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def hang_up(address: tuple[str, int], request: bytes, after: float) -> None:
    """Send a whole request, then reset the connection (RST, as a killed client does)."""
    with socket.create_connection(address, timeout=5) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.sendall(request)
        time.sleep(after)


def counted(metrics: str, status: str) -> int:
    pattern = rf'agrobridge_http_requests_total\{{[^}}]*status="{status}"[^}}]*\}} (\S+)'
    return int(sum(float(value) for value in re.findall(pattern, metrics)))


def test_thousands_of_hang_ups_mid_write_leak_no_connection(
    server: RunningServer, stack: Stack
) -> None:
    who: Producer = producer(server.url)
    batch = create_batch(server.url, who)
    parts = urlsplit(server.url)
    address = (parts.hostname or "127.0.0.1", parts.port or 80)
    host = f"{address[0]}:{address[1]}"
    requests = [
        raw_request("POST", "/api/v1/batches", host, who.token, orjson.dumps(batch_body())),
        raw_request(
            "POST",
            f"/api/v1/batches/{batch['id']}/transactions",
            host,
            who.token,
            b'{"tx_hash": "0x%s", "network": "polygon-amoy", "event_type": "created"}',
        ),
        raw_request(
            "POST",
            f"/api/v1/batches/{batch['id']}/status",
            host,
            who.token,
            b'{"status": "cancelled"}',
        ),
    ]
    rng = random.Random(20261201)
    print(f"hang-ups: {HANG_UPS}, delays 0-40 ms, seed 20261201")
    with ThreadPoolExecutor(max_workers=32) as pool:
        jobs = []
        for i in range(HANG_UPS):
            request = requests[i % len(requests)]
            if b"%s" in request:
                request = request.replace(b"%s", (uuid.uuid4().hex * 2).encode())
            jobs.append(pool.submit(hang_up, address, request, rng.uniform(0, 0.04)))
        for job in jobs:
            job.result()

    assert wait_until(lambda: stack.idle_in_transaction() == 0, seconds=20), (
        f"{stack.idle_in_transaction()} connections left idle in transaction"
    )
    # Still serving writes, with every pooled connection usable.
    for _ in range(30):
        create_batch(server.url, who)
    metrics = settled_metrics(server.url)
    print(f"counted 499: {counted(metrics, '499')}, 500: {counted(metrics, '500')}")
    assert counted(metrics, "500") == 0
    assert counted(metrics, "499") > 0
    log = server.log_text()
    assert "unhandled error" not in log
    assert "RequestCancelled" not in log
