"""Stopping the servers the tests start: politely first, then for good."""

import os
import signal
import subprocess


def stop_group(process: subprocess.Popen[bytes], seconds: float = 10) -> None:
    """SIGTERM the process's group (started with start_new_session=True), SIGKILL it if it
    is still there after `seconds`; a process that already ended is left alone."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
