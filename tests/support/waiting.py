"""Waiting on a condition, never on the clock alone."""

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
