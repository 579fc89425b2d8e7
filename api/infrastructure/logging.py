"""Loguru set-up: four JSON-lines streams in daily files, stdout for containers, redaction.

The HTTP stream (one line per answer) bypasses loguru: see access_log.py."""

import logging
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from loguru import logger

from api.infrastructure import log_context
from api.infrastructure.access_log import HTTP_FIELDS, AccessLog
from api.infrastructure.log_sinks import DailyFile, TextSink, WriteFailures, timestamp, utc_day
from api.infrastructure.redaction import redact

if TYPE_CHECKING:
    from loguru import Message, Record

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
    extra.setdefault("worker", _worker or worker_name())
    record["message"] = redact(record["message"])


def json_line(record: "Record") -> bytes:
    extra = record["extra"]
    line: dict[str, Any] = {
        "ts": timestamp(record["time"].timestamp()),
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
    return orjson.dumps(line, default=str) + b"\n"


class _LoguruSink:
    """Adapts a line sink to loguru: one JSON line per record."""

    def __init__(self, sink: DailyFile | TextSink) -> None:
        self._sink = sink

    def write(self, message: "Message") -> None:
        record = message.record
        when = record["time"].timestamp()
        self._sink.append(json_line(record), utc_day(when))


def _is_http(record: "Record") -> bool:
    return record["extra"].get("stream") == "http"


STREAM_FILTERS = {
    "app": lambda r: not _is_http(r),
    "error": lambda r: not _is_http(r) and r["level"].no >= logging.ERROR,
    "http": _is_http,
    "exceptions": lambda r: r["exception"] is not None,
}


_access: AccessLog | None = None
_worker = ""


def configure(config: LogConfig) -> None:
    global _access, _worker
    if _access is not None:
        _access.flush()
    _worker = worker_name()
    logger.remove()
    logger.configure(patcher=_patch)
    common: dict[str, Any] = {"level": config.level, "backtrace": False, "diagnose": False}
    http_sinks: list[DailyFile | TextSink] = []
    failures = WriteFailures()  # one warning a minute from this process, whatever the sink
    if not config.json_lines:
        logger.add(sys.stderr, format=PRETTY, colorize=True, **common)
    elif config.stdout:
        stdout = TextSink(sys.stdout, failures)
        logger.add(_LoguruSink(stdout).write, **common)
        http_sinks.append(stdout)
    if config.directory is not None:
        for stream, keep in config.retention_days:
            sink = DailyFile(config.directory, stream, keep, failures)
            if stream == "http" and config.json_lines:
                http_sinks.append(sink)
            else:
                logger.add(_LoguruSink(sink).write, filter=STREAM_FILTERS[stream], **common)
    # Pretty output for people keeps the HTTP lines in loguru; JSON lines take the fast path.
    verbose_enough = logger.level(config.level).no <= logger.level("INFO").no
    if not verbose_enough:
        http_sinks = []
    _access = AccessLog(http_sinks, __name__, _worker) if config.json_lines else None
    # The level filters before interception: Tortoise's per-query debug lines cost nothing.
    logging.basicConfig(handlers=[InterceptHandler()], level=config.level, force=True)


def flush() -> None:
    """Write the HTTP lines still waiting for the end of this event-loop turn."""
    if _access is not None:
        _access.flush()


class InterceptHandler(logging.Handler):
    """Route the standard library's logging (Sanic, Tortoise, asyncpg) through loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.opt(depth=6, exception=record.exc_info).log(level, record.getMessage())


def http_line(fields: dict[str, Any]) -> None:
    if _access is not None:
        _access.write(fields)
        return
    logger.bind(stream="http", **fields).info("{method} {path} {status} {latency_ms}ms", **fields)
