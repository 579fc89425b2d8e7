"""The four log streams on disk: whole lines from many processes, and the design's retention."""

import errno
import json
import multiprocessing
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from loguru import logger

from api.infrastructure.log_sinks import WriteFailures
from api.infrastructure.logging import LogConfig, configure, http_line

LINES_PER_PROCESS = 1000
# Longer than a pipe buffer (4 KiB): a line written in pieces would show up torn.
PAYLOAD = "x" * 6000


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def write_lines(directory: str, name: str) -> None:
    configure(LogConfig(stdout=False, directory=Path(directory)))
    for n in range(LINES_PER_PROCESS):
        logger.info("{} {} {}", name, n, PAYLOAD)


def test_workers_writing_at_once_leave_every_line_whole(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=write_lines, args=(str(tmp_path), f"worker-{i}")) for i in range(3)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0

    lines = (tmp_path / f"app-{today()}.log").read_text().splitlines()
    messages = [json.loads(line)["message"] for line in lines]
    assert len(messages) == 3 * LINES_PER_PROCESS
    for i in range(3):
        numbers = [int(m.split()[1]) for m in messages if m.startswith(f"worker-{i} ")]
        assert sorted(numbers) == list(range(LINES_PER_PROCESS))


def test_each_stream_gets_its_own_lines(tmp_path: Path) -> None:
    configure(LogConfig(stdout=False, directory=tmp_path))
    logger.info("an application event")
    logger.error("a failure")
    http_line({"method": "GET", "route": "/x", "path": "/x", "status": 200, "latency_ms": 1.5})
    try:
        raise ValueError("broken")
    except ValueError:
        logger.exception("an unexpected error")

    def read(stream: str) -> list[dict[str, object]]:
        path = tmp_path / f"{stream}-{today()}.log"
        return [json.loads(line) for line in path.read_text().splitlines()]

    assert [e["message"] for e in read("app")] == [
        "an application event",
        "a failure",
        "an unexpected error",
    ]
    assert [e["message"] for e in read("error")] == ["a failure", "an unexpected error"]
    assert [(e["route"], e["status"]) for e in read("http")] == [("/x", 200)]
    [exception] = read("exceptions")
    assert "ValueError: broken" in str(exception["exception"])


def test_files_older_than_their_retention_are_deleted(tmp_path: Path) -> None:
    now = datetime.now(UTC).date()
    kept = [tmp_path / f"http-{(now - timedelta(days=d)).isoformat()}.log" for d in (1, 6)]
    expired = [tmp_path / f"http-{(now - timedelta(days=d)).isoformat()}.log" for d in (7, 40)]
    other = tmp_path / f"error-{(now - timedelta(days=20)).isoformat()}.log"
    for path in (*kept, *expired, other):
        path.write_text("{}\n")

    configure(LogConfig(stdout=False, directory=tmp_path))
    http_line({"method": "GET", "route": "/x", "path": "/x", "status": 200, "latency_ms": 1})
    logger.error("opens the error stream too")

    assert all(p.exists() for p in kept)
    assert not any(p.exists() for p in expired)
    assert other.exists()  # errors are kept 30 days


def test_a_full_log_disk_costs_one_warning_on_stderr_and_no_traceback(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # /dev/full answers every write with ENOSPC, as a full disk does.
    for stream in ("app", "error", "http", "exceptions"):
        (tmp_path / f"{stream}-{today()}.log").symlink_to("/dev/full")
    configure(LogConfig(stdout=False, directory=tmp_path))
    for n in range(300):
        logger.info("request {}", n)
        http_line({"method": "GET", "route": "/x", "path": "/x", "status": 200, "latency_ms": 1})
        if n % 10 == 0:
            try:
                raise ValueError("broken")
            except ValueError:
                logger.exception("an unexpected error")

    stderr = capfd.readouterr().err
    assert "Traceback" not in stderr
    warnings = [line for line in stderr.splitlines() if "cannot write logs" in line]
    assert len(warnings) == 1, stderr[-2000:]
    assert "No space left on device" in warnings[0]


def test_write_failures_are_told_once_a_minute_with_what_was_dropped() -> None:
    now = [0.0]
    read, write = os.pipe()
    failures = WriteFailures(clock=lambda: now[0], stderr_fd=write)
    for second in range(600):  # ten minutes of one failed write a second
        now[0] = float(second)
        failures.failed("app.log", OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    os.close(write)
    with os.fdopen(read) as told:
        warnings = told.read().splitlines()
    assert len(warnings) == 10
    assert "1 write(s) dropped" in warnings[0]
    assert all("60 write(s) dropped" in warning for warning in warnings[1:])


# A file-size limit stands in for a disk that fills in the middle of a write: the kernel writes
# what fits, fails the rest (EFBIG rather than ENOSPC), and takes writes again once raised.
FILLS_UP = """
import resource, signal, sys
from pathlib import Path
from loguru import logger
from api.infrastructure.logging import LogConfig, configure
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
configure(LogConfig(stdout=False, directory=Path(sys.argv[1])))
logger.info("before the disk filled")
size = next(Path(sys.argv[1]).glob("app-*.log")).stat().st_size
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (size + 100, hard))
for n in range(50):
    logger.info("while full {} {}", n, "x" * 300)
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
logger.info("after space came back")
logger.info("and one more")
"""


def test_lines_written_once_the_disk_has_room_again_are_whole(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", FILLS_UP, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / f"app-{today()}.log").read_bytes().split(b"\n")
    assert lines[-1] == b""  # the file ends with a whole line
    assert json.loads(lines[0])["message"] == "before the disk filled"
    assert b"while full 0" in lines[1]  # the line the disk cut short, alone on its line
    assert [json.loads(line)["message"] for line in lines[2:-1]] == [
        "after space came back",
        "and one more",
    ]
    assert "Traceback" not in done.stderr
    assert done.stderr.count("cannot write logs") == 1, done.stderr
