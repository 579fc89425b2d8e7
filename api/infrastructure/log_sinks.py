"""Where JSON lines go: daily files shared by every worker, and a text stream (stdout).

Each process appends whole lines with one write() to files named by UTC day, so several
workers share a file without interleaving, and nobody renames anything: "rotation" is the
date in the name, and retention deletes files older than their stream keeps them.

A sink that cannot write (a full disk) drops the lines and says so on stderr at most once a
minute, rather than raising into the logger, which printed a traceback for every line. A write
cut short by a full disk leaves part of a line: the next write after a failure first ends that
part, so the lines written once space returns are whole.
"""

import contextlib
import os
import re
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

WARN_EVERY_SECONDS = 60.0

_second: tuple[int, str, date] = (-1, "", date.min)


def _at(when: float) -> tuple[str, date]:
    # Formatting a time is costly next to a log line: do it once per second.
    global _second
    second = int(when)
    if _second[0] != second:
        moment = time.gmtime(second)
        day = date(moment.tm_year, moment.tm_mon, moment.tm_mday)
        _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", moment), day)
    return _second[1], _second[2]


def timestamp(when: float) -> str:
    """`2026-01-31T12:00:00.123Z` for a POSIX time."""
    prefix, _ = _at(when)
    return f"{prefix}.{int((when % 1) * 1000):03d}Z"


def utc_day(when: float) -> date:
    return _at(when)[1]


class WriteFailures:
    """The log writes one process could not make: counted, and told on stderr at most once
    every `every_seconds` (stderr goes to the journal or the container runtime, not to the
    log disk)."""

    def __init__(
        self,
        every_seconds: float = WARN_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        stderr_fd: int = 2,
    ) -> None:
        self._every, self._clock, self._fd = every_seconds, clock, stderr_fd
        self._last_warning: float | None = None
        self._dropped = 0

    def failed(self, where: str, error: OSError | ValueError) -> None:
        self._dropped += 1
        now = self._clock()
        if self._last_warning is not None and now - self._last_warning < self._every:
            return
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        message = (
            f"WARNING cannot write logs to {where}: {reason}; {self._dropped} write(s) "
            f"dropped (pid {os.getpid()}; said at most once every {self._every:.0f} s)\n"
        )
        self._last_warning, self._dropped = now, 0
        with contextlib.suppress(OSError):
            os.write(self._fd, message.encode())


class DailyFile:
    """One stream's files, `<stream>-YYYY-MM-DD.log`, appended to by any number of processes."""

    def __init__(
        self, directory: Path, stream: str, keep_days: int, failures: WriteFailures
    ) -> None:
        self.directory, self.stream, self.keep_days = directory, stream, keep_days
        self._failures = failures
        self._day: date | None = None
        self._fd = -1
        self._failing = False

    def append(self, data: bytes, day: date) -> None:
        """Whole lines only: one write() on a regular file in O_APPEND mode lands whole."""
        try:
            if day != self._day:
                self._open(day)
            if self._failing and not self._ends_whole():
                data = b"\n" + data  # end the part of a line a failed write left
            while data:
                written = os.write(self._fd, data)
                data = data[written:]
        except OSError as exc:
            self._failing = True
            self._failures.failed(str(self.path_for(day)), exc)
            return
        self._failing = False

    def _ends_whole(self) -> bool:
        size = os.fstat(self._fd).st_size
        return size == 0 or os.pread(self._fd, 1, size - 1) == b"\n"

    def path_for(self, day: date) -> Path:
        return self.directory / f"{self.stream}-{day.isoformat()}.log"

    def _open(self, day: date) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd, self._day = -1, None
        self.directory.mkdir(parents=True, exist_ok=True)
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
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


class TextSink:
    def __init__(self, stream: TextIO, failures: WriteFailures) -> None:
        self._stream = stream
        self._failures = failures

    def append(self, data: bytes, day: date) -> None:
        try:
            self._stream.write(data.decode())
            self._stream.flush()
        except (OSError, ValueError) as exc:  # ValueError: the stream was closed
            self._failures.failed(getattr(self._stream, "name", "a stream"), exc)
