"""The HTTP stream: one JSON line per answer, made without loguru's per-message machinery.

The lines of one event-loop turn leave in one write() per sink (whole lines, appended), so a
busy worker makes one system call per turn rather than one per request. Outside an event
loop each line is written at once.
"""

import asyncio
import re
import time
from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

import orjson

from api.infrastructure import log_context
from api.infrastructure.log_sinks import timestamp, utc_day
from api.infrastructure.redaction import redact

HTTP_FIELDS = ("method", "route", "path", "status", "latency_ms", "ip")
# Paths made only of these cannot hold anything redaction would remove: skip its regexes.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/_.~-]*")


class Sink(Protocol):
    def append(self, data: bytes, day: date) -> None: ...


class AccessLog:
    def __init__(self, sinks: Sequence[Sink], logger_name: str, worker: str) -> None:
        self._sinks = sinks
        self._logger_name = logger_name
        self._worker = worker
        self._pending: list[bytes] = []
        self._day: date | None = None

    def write(self, fields: dict[str, Any]) -> None:
        if not self._sinks:
            return
        now = time.time()
        path = str(fields.get("path", ""))
        if not _PLAIN_PATH.fullmatch(path) or "eyJ" in path:
            path = redact(path)
        user_id = fields.get("user_id", log_context.user_id.get())
        line = {
            "ts": timestamp(now),
            "level": "INFO",
            "message": f"{fields.get('method')} {path} {fields.get('status')} "
            f"{fields.get('latency_ms')}ms",
            "logger": self._logger_name,
            "worker": self._worker,
            "request_id": fields.get("request_id") or log_context.request_id.get() or "-",
            "user_id": user_id,
            **{k: fields[k] for k in HTTP_FIELDS if k in fields},
            "path": path,
        }
        data = orjson.dumps(line, default=str) + b"\n"
        day = utc_day(now)
        if day != self._day:
            self.flush()
            self._day = day
        self._pending.append(data)
        if len(self._pending) == 1:
            try:
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:
                self.flush()

    def flush(self) -> None:
        if not self._pending or self._day is None:
            return
        data = b"".join(self._pending)
        self._pending.clear()
        for sink in self._sinks:
            sink.append(data, self._day)
