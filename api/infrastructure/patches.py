"""Every use we make of Sanic's, Tortoise's and prometheus-client's private parts, and the versions
it was tested on.

Each patch below leans on code those libraries do not promise to keep: attribute names, the
order of their steps, the loop they run. So `check_versions`, run first by every command
(api/cli.py), refuses to start on a version that is not listed in TESTED_VERSIONS. To upgrade
either library: read each patch against the new version's source, run the tests named in
docs/architecture.md ("Patches of Sanic and Tortoise"), then add the version here.

- `BoundedReadProtocol`: a request's time to arrive runs from its first byte (Sanic restarts
  its timer on every byte).
- `set_worker_start_timeout`: how long Sanic's worker manager waits for workers to start.
- `patch_worker_manager`: stop signals, any number of them, are only recorded (the supervisor
  acts on them once); the process holding the workers' states outlives a group signal; a stop
  while workers start stops the server (Sanic's readiness loop would otherwise never end).
- `leave_stop_signals_to_workers`: workers take their own stop handlers, not Sanic's.
- `GuardedTransaction`: a transaction cancelled while opening releases its connection (Tortoise
  would keep it checked out for good).
- `add_observations`: many observations added to a histogram in one write per bucket
  (prometheus-client observes one value at a time).
"""

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Mapping
from importlib import metadata
from multiprocessing.managers import SyncManager
from types import FrameType
from typing import Any

import sanic
import sanic.mixins.startup
from loguru import logger
from sanic.http import Stage
from sanic.server.protocols.http_protocol import HttpProtocol
from sanic.worker.constants import ProcessState
from sanic.worker.manager import WorkerManager
from tortoise.backends.base.client import TransactionContextPooled
from tortoise.connection import get_connections

# The distributions patched here and the versions each patch was tested on (uv.lock pins them).
TESTED_VERSIONS: Mapping[str, tuple[str, ...]] = {
    "sanic": ("25.12.1",),
    "tortoise-orm": ("1.1.9",),
    "prometheus-client": ("0.26.0",),
}


def check_versions(
    tested: Mapping[str, tuple[str, ...]] = TESTED_VERSIONS,
    installed: Callable[[str], str] = metadata.version,
) -> None:
    """Refuse to start on a version of a patched library the patches were not tested on."""
    wrong = [
        f"{name} {installed(name)} is installed, but they were tested on {name} "
        f"{' or '.join(versions)}"
        for name, versions in tested.items()
        if installed(name) not in versions
    ]
    if wrong:
        raise SystemExit(
            "refusing to start: api/infrastructure/patches.py uses private parts of Sanic, "
            f"Tortoise and prometheus-client, and {'; '.join(wrong)}. Check each patch against "
            'the installed version (docs/architecture.md, "Patches of Sanic and Tortoise"), then '
            "list it in TESTED_VERSIONS, or install the tested version (uv sync --frozen)."
        )


class BoundedReadProtocol(HttpProtocol):
    """Sanic restarts its request timer (`_time`) on every byte received, so a client that
    trickles its headers one byte at a time is never timed out. Here a request's time to
    arrive runs from its first byte. Tested by tests/faults/test_slow_clients.py
    (test_a_client_trickling_its_headers_is_cut_at_the_read_timeout)."""

    def data_received(self, data: bytes) -> None:
        http = getattr(self, "_http", None)
        reading = http is not None and http.stage is Stage.REQUEST
        started = self._time
        super().data_received(data)
        if reading:
            self._time = started


def set_worker_start_timeout(seconds: float) -> None:
    """Sanic gives workers 30 s to come up, then shuts down: too short for a small host whose
    CPU credits have run out. Its manager reads this class attribute (tenths of a second)."""
    WorkerManager.THRESHOLD = int(seconds * 10)


def patch_worker_manager(on_stop: Callable[[int, FrameType | None], None]) -> None:
    """Three changes to Sanic's worker manager, which the supervisor (api/supervisor.py)
    relies on. Tested by tests/faults/test_signals.py.

    The process that holds the workers' states outlives a stop signal sent to the group.

    Its signal handler, which the manager installs when it is created, is replaced by
    `on_stop`, which only records the signal: Sanic's writes to the manager's pipe and, on a
    second signal, SIGKILLs the whole process group (the main process included).

    Sanic's manager waits for every worker's readiness before it reads its pipe, and puts any
    message it reads meanwhile back; the stop message then circles forever and the server never
    exits. Ours waits the same way but stops waiting once the manager is shutting down, so its
    loop reads the stop message and ends. Workers still starting then are killed: they hold no
    request, and one that already took the signal handlers would otherwise finish starting
    before it stops.
    """

    def shutdown_signal(manager: WorkerManager, signum: int, frame: FrameType | None) -> None:
        on_stop(signum, frame)

    WorkerManager.shutdown_signal = shutdown_signal  # type: ignore[method-assign]
    WorkerManager.wait_for_ack = _wait_for_ack  # type: ignore[method-assign]
    sanic.mixins.startup.Manager = _state_manager  # type: ignore[attr-defined]


def _state_manager() -> SyncManager:
    """The process that holds the workers' states for Sanic, deaf to SIGTERM.

    A stop sent to the whole process group (systemd's) killed it at once, and the main process
    then failed on its next look at a worker's state, before it had waited for the workers.
    The main process shuts it down on its way out; it exits by itself if the main process dies.
    """
    manager = SyncManager()
    manager.start(_outlive_stop_signals)
    return manager


def _outlive_stop_signals() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = os.getppid()

    def exit_with_parent() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=exit_with_parent, name="exit-with-parent", daemon=True).start()


def leave_stop_signals_to_workers(app: sanic.Sanic[Any, Any]) -> None:
    """Keep Sanic from registering its stop handlers in the workers, which take their own
    (api/presentation/lifecycle.py). `prepare` refuses `register_sys_signals=False` with more
    than one worker, so it is set in the settings it hands the workers."""
    for server_info in app.state.server_info:
        server_info.settings["register_sys_signals"] = False


def _wait_for_ack(manager: WorkerManager) -> None:
    misses = 0
    while not manager._all_workers_ack():  # type: ignore[no-untyped-call]
        if manager._shutting_down:
            _kill_starting(manager)
            return
        if manager.monitor_subscriber.poll(0.1):
            message = manager.monitor_subscriber.recv()
            if message != "__TERMINATE_EARLY__":
                manager.monitor_publisher.send(message)
                continue
            misses = manager.THRESHOLD  # a worker died while starting: give up now
        misses += 1
        if misses > manager.THRESHOLD:
            logger.error(
                "not all workers came up within {:.0f} s: stopping", manager.THRESHOLD / 10
            )
            manager.kill()  # type: ignore[no-untyped-call]


def _kill_starting(manager: WorkerManager) -> None:
    for process in manager.processes:
        state = manager.worker_state.get(process.name, {}).get("state")
        if state != ProcessState.ACKED.name and process.is_alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
            # Sanic waits for its workers' states to end before it exits; say this one has.
            with contextlib.suppress(OSError, EOFError):
                process.set_state(ProcessState.TERMINATED, force=True)


class GuardedTransaction(TransactionContextPooled):
    """Tortoise's pooled transaction takes a connection, then awaits BEGIN inside `__aenter__`.
    When the request task is cancelled during that await (a client hanging up, a timeout),
    Python never calls `__aexit__`, so the connection is never released: it stays checked out,
    idle in transaction, until the process restarts. This releases it instead. The asyncpg
    client (db/engine.py) opens its transactions with it. Tested by tests/faults/test_hang_ups.py
    (test_thousands_of_hang_ups_mid_write_leak_no_connection)."""

    async def __aenter__(self) -> Any:
        await self.ensure_connection()
        parent = self.client._parent
        self.client._connection = await parent._pool.acquire()
        self.token = get_connections().set(self.connection_name, self.client)
        try:
            await self.client.begin()
        except BaseException:
            # BEGIN may or may not have reached the server: the session's state is unknown,
            # so close it rather than hand it to the next request.
            get_connections().reset(self.token)
            self.client._connection.terminate()
            await parent._pool.release(self.client._connection)
            raise
        return self.client


def add_observations(histogram: Any, per_bucket: list[float], total: float) -> None:
    """Add observations to a histogram's child: `per_bucket[i]` of them in its i-th bucket (the
    last is +Inf), summing to `total`. Histogram.observe takes one value, and each of its writes
    to the multiprocess files takes a lock; this writes each bucket once. Uses the child's
    `_buckets` (non-cumulative counts, one per upper bound) and `_sum`, as observe does.
    Tested by tests/unit/test_metrics.py."""
    buckets = histogram._buckets
    if len(buckets) != len(per_bucket):
        raise ValueError(f"{len(per_bucket)} bucket counts for {len(buckets)} buckets")
    for bucket, count in zip(buckets, per_bucket, strict=True):
        if count:
            bucket.inc(count)
    histogram._sum.inc(total)
