"""Where JSON lines go: daily files shared by every worker, and a text stream (stdout).

Each process appends whole lines with one write() to files named by UTC day, so several
workers share a file without interleaving, and nobody renames anything: "rotation" is the
date in the name, and retention deletes files older than their stream keeps them.
"""

import os
import re
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

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


class DailyFile:
    """One stream's files, `<stream>-YYYY-MM-DD.log`, appended to by any number of processes."""

    def __init__(self, directory: Path, stream: str, keep_days: int) -> None:
        self.directory, self.stream, self.keep_days = directory, stream, keep_days
        self._day: date | None = None
        self._fd = -1

    def append(self, data: bytes, day: date) -> None:
        """Whole lines only: one write() on a regular file in O_APPEND mode lands whole."""
        if day != self._day:
            self._open(day)
        while data:
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


class TextSink:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def append(self, data: bytes, day: date) -> None:
        self._stream.write(data.decode())
        self._stream.flush()
