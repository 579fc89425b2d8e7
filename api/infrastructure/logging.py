"""Loguru set-up: four JSON-lines streams in daily files, stdout for containers, redaction.

Each worker process appends whole lines with one write() to files named by UTC day, so
several workers share a file without interleaving, and nobody renames anything: "rotation"
is the date in the name, and retention deletes files older than their stream keeps them.
"""

import json
import logging
import os
import re
import sys
import traceback
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from loguru import logger

from api.infrastructure import log_context
from api.infrastructure.redaction import redact

if TYPE_CHECKING:
    from loguru import Message, Record

HTTP_FIELDS = ("method", "route", "path", "status", "latency_ms", "ip")
PRETTY = (
    "<green>{time:HH:mm:ss.SSS}</green> <level>{level: <7}</level> "
    "<cyan>{extra[request_id]}</cyan> {message}"
)


@dataclass(frozen=True)
class LogConfig:
    level: str = "INFO"
    json_lines: bool = True
    stdout: bool = True
    directory: Path | None = None
    retention_days: tuple[tuple[str, int], ...] = (
        ("app", 14),
        ("error", 30),
        ("http", 7),
        ("exceptions", 30),
    )


def worker_name() -> str:
    return os.environ.get("SANIC_WORKER_NAME") or f"pid-{os.getpid()}"


def _patch(record: "Record") -> None:
    extra = record["extra"]
    extra.setdefault("request_id", log_context.request_id.get() or "-")
    extra.setdefault("user_id", log_context.user_id.get())
    extra.setdefault("worker", worker_name())
    record["message"] = redact(record["message"])


def json_line(record: "Record") -> str:
    extra = record["extra"]
    when = record["time"].astimezone(UTC)
    line: dict[str, Any] = {
        "ts": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "level": record["level"].name,
        "message": record["message"],
        "logger": record["name"],
        "worker": extra.get("worker"),
        "request_id": extra.get("request_id"),
        "user_id": extra.get("user_id"),
    }
    line.update({k: extra[k] for k in HTTP_FIELDS if k in extra})
    if record["exception"] is not None:
        kind, value, tb = record["exception"]
        line["exception"] = redact("".join(traceback.format_exception(kind, value, tb)))
    # The message was redacted by the patcher and the other fields are ours, not the client's.
    return json.dumps(line, default=str, ensure_ascii=False) + "\n"


class DailyFile:
    """One stream's files, `<stream>-YYYY-MM-DD.log`, appended to by any number of processes."""

    def __init__(self, directory: Path, stream: str, keep_days: int) -> None:
        self.directory, self.stream, self.keep_days = directory, stream, keep_days
        self._day: date | None = None
        self._fd = -1

    def write(self, message: "Message") -> None:
        record = message.record
        day = record["time"].astimezone(UTC).date()
        if day != self._day:
            self._open(day)
        data = json_line(record).encode()
        while data:  # one write() on a regular file in O_APPEND mode lands whole
            written = os.write(self._fd, data)
            data = data[written:]

    def path_for(self, day: date) -> Path:
        return self.directory / f"{self.stream}-{day.isoformat()}.log"

    def _open(self, day: date) -> None:
        if self._fd >= 0:
            os.close(self._fd)
        self.directory.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        self._fd = os.open(self.path_for(day), flags, 0o640)
        self._day = day
        self._prune(day)

    def _prune(self, today: date) -> None:
        oldest = today - timedelta(days=self.keep_days - 1)
        pattern = re.compile(rf"{re.escape(self.stream)}-(\d{{4}}-\d{{2}}-\d{{2}})\.log")
        for path in self.directory.iterdir():
            match = pattern.fullmatch(path.name)
            if match and date.fromisoformat(match.group(1)) < oldest:
                path.unlink(missing_ok=True)  # another worker may have got there first


class JsonStream:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, message: "Message") -> None:
        self._stream.write(json_line(message.record))
        self._stream.flush()


def _is_http(record: "Record") -> bool:
    return record["extra"].get("stream") == "http"


STREAM_FILTERS = {
    "app": lambda r: not _is_http(r),
    "error": lambda r: not _is_http(r) and r["level"].no >= logging.ERROR,
    "http": _is_http,
    "exceptions": lambda r: r["exception"] is not None,
}


def configure(config: LogConfig) -> None:
    logger.remove()
    logger.configure(patcher=_patch)
    common: dict[str, Any] = {"level": config.level, "backtrace": False, "diagnose": False}
    if not config.json_lines:
        logger.add(sys.stderr, format=PRETTY, colorize=True, **common)
    elif config.stdout:
        logger.add(JsonStream(sys.stdout).write, **common)
    if config.directory is not None:
        for stream, keep in config.retention_days:
            sink = DailyFile(config.directory, stream, keep)
            logger.add(sink.write, filter=STREAM_FILTERS[stream], **common)
    # The level filters before interception: Tortoise's per-query debug lines cost nothing.
    logging.basicConfig(handlers=[InterceptHandler()], level=config.level, force=True)


class InterceptHandler(logging.Handler):
    """Route the standard library's logging (Sanic, Tortoise, asyncpg) through loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.opt(depth=6, exception=record.exc_info).log(level, record.getMessage())


def http_line(fields: dict[str, Any]) -> None:
    logger.bind(stream="http", **fields).info("{method} {path} {status} {latency_ms}ms", **fields)
