"""The main process's duties that Sanic's worker manager leaves out: replace a worker that
died (killed, out of memory), and stop accepting connections the moment SIGTERM arrives."""

import contextlib
import os
import signal
import socket
import threading
import time
from collections import deque
from types import FrameType
from typing import Any

from loguru import logger
from sanic.worker.manager import WorkerManager

# More deaths than this within the window is a crash loop: stop, and let the service manager
# (systemd, the container runtime) restart the whole server and alert on it.
MAX_RESTARTS = 5
RESTART_WINDOW_SECONDS = 60.0
POLL_SECONDS = 0.25


class Supervisor:
    def __init__(self, manager: WorkerManager, sockets: list[socket.socket]) -> None:
        self.manager = manager
        self.sockets = sockets
        self.stopping = threading.Event()
        self._pipe_lock = threading.Lock()
        self._restarts: deque[float] = deque()
        self._replacing: dict[str, float] = {}

    def start(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        threading.Thread(target=self._watch, name="worker-supervisor", daemon=True).start()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        first = not self.stopping.is_set()
        self.stopping.set()
        if first:
            # The workers share this listening socket: shutting it down stops the kernel from
            # accepting for all of them at once, so a new connection is refused rather than
            # queued for a worker that is leaving.
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RD)
                sock.close()
            logger.info("{}: no new connections; draining", signal.Signals(signum).name)
        with self._pipe_lock:
            self.manager.shutdown_signal(signum, frame)  # type: ignore[no-untyped-call]

    def _watch(self) -> None:
        while not self.stopping.wait(POLL_SECONDS):
            for process in [
                p for worker in self.manager.transient.values() for p in worker.processes
            ]:
                self._check(process)

    def _check(self, process: Any) -> None:
        if process.is_alive():
            self._replacing.pop(process.name, None)
            return
        if process.exitcode is None or self.manager._shutting_down:
            return  # not started yet, or stopping on purpose
        asked = self._replacing.get(process.name)
        if asked is not None and time.monotonic() - asked < 10:
            return  # a replacement is on its way
        if self._crash_looping():
            logger.error(
                "workers keep dying ({} in {:.0f} s): stopping the server",
                MAX_RESTARTS,
                RESTART_WINDOW_SECONDS,
            )
            self.stopping.set()
            os.kill(os.getpid(), signal.SIGTERM)
            return
        logger.error(
            "worker {} (pid {}) died with exit code {}: starting a replacement",
            process.name,
            process.pid,
            process.exitcode,
        )
        self._replacing[process.name] = time.monotonic()
        with self._pipe_lock:
            # The manager's own loop performs the restart, in its own thread.
            self.manager.monitor_publisher.send(process.name)

    def _crash_looping(self) -> bool:
        now = time.monotonic()
        self._restarts.append(now)
        while self._restarts and now - self._restarts[0] > RESTART_WINDOW_SECONDS:
            self._restarts.popleft()
        return len(self._restarts) > MAX_RESTARTS
