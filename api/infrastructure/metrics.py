"""Prometheus metrics, shared by all Sanic workers through prometheus-client's multiprocess mode.

`python -m api serve` points PROMETHEUS_MULTIPROC_DIR at a fresh folder before the workers
start; each worker writes its own files there and /metrics adds them up.

A write to those files takes a lock and checks the process id: five of them per request cost
as much as the rest of a health check. So what every request and every database or Redis
call adds is tallied in plain dicts, and each worker writes the tallies once a second
(`flush`), before it answers /metrics, and when it stops.
"""

import asyncio
import os
import re
import resource
import time
from bisect import bisect_left
from collections.abc import Callable, Coroutine
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from api.infrastructure.faults import unavailable_as
from api.infrastructure.patches import add_observations

P = ParamSpec("P")
R = TypeVar("R")

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
LAG_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_PID_FILE = re.compile(r"_(\d+)\.db$")


class Metrics:
    def __init__(self) -> None:
        # registry=None: in multiprocess mode the files, not a registry, are the source.
        self.requests = Counter(
            "agrobridge_http_requests",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=None,
        )
        self.latency = Histogram(
            "agrobridge_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=None,
        )
        self.in_flight = Gauge(
            "agrobridge_http_requests_in_flight",
            "Requests being answered",
            multiprocess_mode="livesum",
            registry=None,
        )
        self.db = Histogram(
            "agrobridge_db_query_duration_seconds",
            "Time spent in one database operation",
            ["operation"],
            buckets=FAST_BUCKETS,
            registry=None,
        )
        self.redis = Histogram(
            "agrobridge_redis_command_duration_seconds",
            "Time spent in one Redis operation",
            ["operation"],
            buckets=FAST_BUCKETS,
            registry=None,
        )
        self.logins_shed = Counter(
            "agrobridge_logins_shed",
            "Logins refused before hashing: too many queued in the worker or from one address",
            ["reason"],
            registry=None,
        )
        self.loop_lag = Histogram(
            "agrobridge_event_loop_lag_seconds",
            "How late a worker's event loop ran a timer: time it spent on other work",
            buckets=LAG_BUCKETS,
            registry=None,
        )
        self.memory = Gauge(
            "agrobridge_process_resident_memory_bytes",
            "Resident memory of a worker",
            multiprocess_mode="all",
            registry=None,
        )
        self.cpu = Gauge(
            "agrobridge_process_cpu_seconds_total",
            "CPU time used by a worker",
            multiprocess_mode="all",
            registry=None,
        )
        self.workers = Gauge(
            "agrobridge_workers",
            "Live API worker processes",
            multiprocess_mode="livesum",
            registry=None,
        )
        self.build = Gauge(
            "agrobridge_build_info",
            "Version of the running API",
            ["version"],
            multiprocess_mode="max",
            registry=None,
        )

        # Labelled children, looked up once: labels() validates and locks on every call.
        self._answers: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._timers: dict[tuple[str, str], Any] = {}
        # Since the last flush: counts by counter child; by histogram child, the count in each
        # bucket (the last one +Inf) followed by the sum.
        self._counts: dict[Any, int] = {}
        self._observed: dict[Any, list[float]] = {}
        self.in_flight_now = 0

    def request_started(self) -> None:
        self.in_flight_now += 1

    def answered(
        self, method: str, route: str, status: int, seconds: float, in_flight: bool = True
    ) -> None:
        if in_flight:
            self.in_flight_now -= 1
        key = (method, route, status)
        children = self._answers.get(key)
        if children is None:
            children = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._answers[key] = children
        self._counts[children[0]] = self._counts.get(children[0], 0) + 1
        self._observe(children[1], LATENCY_BUCKETS, seconds)

    def timed(self, kind: str, operation: str, seconds: float) -> None:
        key = (kind, operation)
        child = self._timers.get(key)
        if child is None:
            child = (self.db if kind == "db" else self.redis).labels(operation)
            self._timers[key] = child
        self._observe(child, FAST_BUCKETS, seconds)

    def _observe(self, child: Any, buckets: tuple[float, ...], seconds: float) -> None:
        tally = self._observed.get(child)
        if tally is None:
            tally = self._observed[child] = [0.0] * (len(buckets) + 2)
        # The first bucket whose bound is at least the value, as Histogram.observe counts it.
        tally[bisect_left(buckets, seconds)] += 1
        tally[-1] += seconds

    def flush(self) -> None:
        """Write what was tallied since the last flush to this worker's files."""
        counts, self._counts = self._counts, {}
        observed, self._observed = self._observed, {}
        for counter, n in counts.items():
            counter.inc(n)
        for histogram, tally in observed.items():
            add_observations(histogram, tally[:-1], tally[-1])
        self.in_flight.set(self.in_flight_now)

    def sample_process(self) -> None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.cpu.set(usage.ru_utime + usage.ru_stime)
        try:
            pages = int(Path("/proc/self/statm").read_text().split()[1])
            self.memory.set(pages * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, ValueError, IndexError):
            self.memory.set(usage.ru_maxrss * 1024)


_metrics: Metrics | None = None


def metrics() -> Metrics:
    """This process's metrics, made on first use (never at import)."""
    global _metrics
    if _metrics is None:
        _metrics = Metrics()
    return _metrics


def timed(
    kind: str, operation: str
) -> Callable[[Callable[P, Coroutine[Any, Any, R]]], Callable[P, Coroutine[Any, Any, R]]]:
    """Mark an adapter's call to the database ("db") or Redis ("redis"): time it, and let an
    unreachable backend leave it as DependencyUnavailable naming that backend."""
    unreachable = unavailable_as("postgres" if kind == "db" else kind)

    def decorate(func: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]:
        @wraps(func)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            started = time.perf_counter()
            try:
                with unreachable:
                    return await func(*args, **kwargs)
            finally:
                metrics().timed(kind, operation, time.perf_counter() - started)

        return wrapper

    return decorate


def prune_dead_workers(directory: Path) -> None:
    """Drop the files of workers that have exited, so live gauges count only live ones."""
    dead = {
        int(match.group(1))
        for path in directory.glob("gauge_*.db")
        if (match := _PID_FILE.search(path.name)) and not _alive(int(match.group(1)))
    }
    for pid in dead:
        multiprocess.mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]
        # Per-worker gauges ("all") would otherwise keep reporting a worker that is gone.
        (directory / f"gauge_all_{pid}.db").unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def flush_every(seconds: float = 1.0) -> None:
    """A worker's task: its tallies reach the shared files at least this often."""
    while True:
        await asyncio.sleep(seconds)
        metrics().flush()


def exposition(directory: Path) -> bytes:
    prune_dead_workers(directory)
    metrics().flush()
    metrics().sample_process()
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    return bytes(generate_latest(registry))
