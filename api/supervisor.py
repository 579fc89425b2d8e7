"""The main process's duties that Sanic's worker manager leaves out: replace a worker that
died (killed, out of memory), stop accepting connections the moment SIGTERM arrives, and see
every worker out within the shutdown grace however many stop signals arrive.

A stop signal comes more than once as a rule: systemd's stop sends SIGTERM to every process of
the unit, `uv run` forwards its own copy to the main process, an operator presses Ctrl-C twice.
So the signal handler only records the signal and wakes the supervisor's thread through a pipe;
everything else (closing the socket, logging, writing to the manager's pipe, terminating
workers) happens in that thread, once. A handler that took a lock or wrote to a shared pipe
could be entered again on the same thread while the first call held it, and hang the server.
"""

import contextlib
import os
import select
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
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# After the grace, a worker gets this long to close its pools and exit before it is killed.
EXIT_MARGIN_SECONDS = 2.0
# The stop is sent again this often to workers still running: one that was between Sanic's
# signal set-up and ours when the first came acts on the next.
RESEND_SECONDS = 1.0


class StopRequest:
    """SIGTERM and SIGINT for the main process, recorded and nothing more."""

    def __init__(self) -> None:
        self._owner = os.getpid()
        self._read, self._write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.signum: int | None = None

    def install(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self.handle)

    def ignore_from_now_on(self) -> None:
        """For the server's last moments: Python puts a handler back to the default as it
        exits, and a late SIGTERM would then kill a process that was exiting cleanly."""
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def handle(self, signum: int, frame: FrameType | None) -> None:
        # Safe to enter any number of times, even within itself: an assignment and a write to
        # a non-blocking pipe, no lock.
        if os.getpid() != self._owner:
            # A process forked from this one (multiprocessing's manager, which holds the
            # workers' states) keeps serving until the main process shuts it down.
            return
        if self.signum is None:
            self.signum = signum
        with contextlib.suppress(OSError):  # full pipe: a wake-up is already waiting
            os.write(self._write, b"\0")

    def wait(self, seconds: float) -> bool:
        """True once a stop was requested; otherwise waits up to `seconds` for one."""
        if not self.requested:
            ready, _, _ = select.select([self._read], [], [], seconds)
            if ready:
                with contextlib.suppress(OSError):
                    os.read(self._read, 4096)
        return self.requested


class Supervisor:
    def __init__(
        self,
        manager: WorkerManager,
        sockets: list[socket.socket],
        stop: StopRequest,
        grace_seconds: float,
    ) -> None:
        self.manager = manager
        self.sockets = sockets
        self.stop = stop
        self.grace_seconds = grace_seconds
        self._restarts: deque[float] = deque()
        self._replacing: dict[str, float] = {}

    def start(self) -> None:
        threading.Thread(target=self._run, name="worker-supervisor", daemon=True).start()

    def _run(self) -> None:
        while not self.stop.wait(POLL_SECONDS):
            for process in [
                p for worker in self.manager.transient.values() for p in worker.processes
            ]:
                self._check(process)
        self._shut_down(self.stop.signum or signal.SIGTERM)

    def _shut_down(self, signum: int) -> None:
        started = time.monotonic()
        # The workers share this listening socket: shutting it down stops the kernel from
        # accepting for all of them at once, so a new connection is refused rather than
        # queued for a worker that is leaving.
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RD)
            sock.close()
        logger.info("{}: no new connections; draining", signal.Signals(signum).name)
        # What Sanic's own handler does, once: end the manager's loop, terminate the workers.
        self.manager.monitor_publisher.send(None)
        with contextlib.suppress(OSError, EOFError):
            self.manager.shutdown()  # type: ignore[no-untyped-call]
        self._see_workers_out(started + self.grace_seconds + EXIT_MARGIN_SECONDS)

    def _see_workers_out(self, deadline: float) -> None:
        while True:
            left = [p for p in _worker_processes(self.manager) if p.is_alive()]
            if not left:
                return
            if time.monotonic() >= deadline:
                for process in left:
                    logger.error(
                        "worker {} (pid {}) still running after the shutdown grace: killing it",
                        process.name,
                        process.pid,
                    )
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(process.pid, signal.SIGKILL)
                return
            time.sleep(min(RESEND_SECONDS, max(deadline - time.monotonic(), 0.0)))
            for process in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)

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
            self.stop.handle(signal.SIGTERM, None)
            return
        logger.error(
            "worker {} (pid {}) died with exit code {}: starting a replacement",
            process.name,
            process.pid,
            process.exitcode,
        )
        self._replacing[process.name] = time.monotonic()
        # The manager's own loop performs the restart, in its own thread. Only this thread
        # writes to that pipe, besides the loop's own small (so atomic) re-sends.
        self.manager.monitor_publisher.send(process.name)

    def _crash_looping(self) -> bool:
        now = time.monotonic()
        self._restarts.append(now)
        while self._restarts and now - self._restarts[0] > RESTART_WINDOW_SECONDS:
            self._restarts.popleft()
        return len(self._restarts) > MAX_RESTARTS


def _worker_processes(manager: WorkerManager) -> list[Any]:
    return [p for worker in manager.transient.values() for p in worker.processes if p.pid]
