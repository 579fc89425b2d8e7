"""Waiting on a condition, never on the clock alone."""

import socket
import time
from collections.abc import Callable


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
