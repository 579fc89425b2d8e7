"""The four log streams on disk: whole lines from many processes, and the design's retention."""

import json
import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from loguru import logger

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
