"""Waiting on a condition, never on the clock alone."""

import socket
import time
from collections.abc import Callable

import httpx


def wait_until(check: Callable[[], bool], seconds: float = 15, every: float = 0.1) -> bool:
    """True as soon as `check()` holds; False if it still does not after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(every)


def listening(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def settled_metrics(url: str, seconds: float = 20) -> str:
    """/metrics once every worker has written what it tallied. Workers write at least once a
    second (api/infrastructure/metrics.py), so when two scrapes more than a second apart count
    the same answers (the scrapes themselves aside), nothing was left unwritten."""

    def answered(text: str) -> float:
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("agrobridge_http_requests_total{") and 'route="/metrics"' not in line
        )

    deadline = time.monotonic() + seconds
    text = httpx.get(url + "/metrics", timeout=10).text
    while True:
        time.sleep(1.2)  # one flush of every worker between the two scrapes
        again = httpx.get(url + "/metrics", timeout=10).text
        if answered(again) == answered(text):
            return again
        if time.monotonic() >= deadline:
            raise AssertionError(f"/metrics still moving after {seconds} s")
        text = again
