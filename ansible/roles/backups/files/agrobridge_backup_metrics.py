#!/usr/bin/python3
"""agrobridge-backup-metrics: the backup and WAL archiving status for node_exporter.

Run by cron every minute on the database host (as root). Writes, atomically, in the
textfile collector's format:

  agrobridge_backup_last_success_timestamp_seconds   when the newest backup in the repository ended
  agrobridge_backup_wal_last_archived_timestamp_seconds  when PostgreSQL last archived a WAL segment
  agrobridge_backup_wal_last_failed_timestamp_seconds    when archiving last failed (0: never)
  agrobridge_backup_wal_unarchived_since_timestamp_seconds  since when WAL written on this
      timeline has waited to be archived (0: all of it is archived). It catches what no
      failure shows: a segment that is never switched, an archiver that stopped

When the repository cannot be read, the last known backup time is kept, so the age keeps
growing and BackupTooOld fires as it should. Python's standard library only.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BACKUP = "agrobridge_backup_last_success_timestamp_seconds"
ARCHIVED = "agrobridge_backup_wal_last_archived_timestamp_seconds"
FAILED = "agrobridge_backup_wal_last_failed_timestamp_seconds"
UNARCHIVED = "agrobridge_backup_wal_unarchived_since_timestamp_seconds"
SEGMENT = re.compile(r"[0-9A-F]{24}")
SEGMENT_SIZE = 16 * 1024 * 1024
# WAL that PostgreSQL writes on an idle database without forcing a segment out (a standby
# snapshot now and then): less than this is not a write waiting for the archive.
IDLE_WAL_BYTES = 8192
HELP = {
    BACKUP: "End of the newest backup in the pgBackRest repository.",
    ARCHIVED: "Time PostgreSQL last archived a WAL segment (pg_stat_archiver).",
    FAILED: "Time WAL archiving last failed, 0 when it never did (pg_stat_archiver).",
    UNARCHIVED: "Since when written WAL has waited to be archived, 0 when none waits.",
}


def as_postgres(*command: str) -> str:
    done = subprocess.run(  # noqa: S603 (fixed programs, arguments from this script)
        ["/usr/sbin/runuser", "-u", "postgres", "--", *command],
        capture_output=True,
        text=True,
        timeout=50,
        check=True,
    )
    return done.stdout


def last_backup(stanza: str) -> float | None:
    try:
        info = json.loads(as_postgres("pgbackrest", f"--stanza={stanza}", "--output=json", "info"))
    except (subprocess.SubprocessError, ValueError):
        return None
    stops = [b["timestamp"]["stop"] for s in info for b in s.get("backup", [])]
    return float(max(stops)) if stops else None


def archiver(port: str) -> tuple[float, float, int] | None:
    """When a segment was last archived and last failed, and how many bytes of WAL written
    on the current timeline are not archived yet."""
    query = (
        "SELECT coalesce(extract(epoch FROM last_archived_time), 0), "
        "coalesce(extract(epoch FROM last_failed_time), 0), coalesce(last_archived_wal, '-'), "
        "pg_walfile_name(pg_current_wal_flush_lsn()), "
        "pg_wal_lsn_diff(pg_current_wal_flush_lsn(), '0/0')::bigint FROM pg_stat_archiver"
    )
    try:
        row = as_postgres("psql", "-XAtF", " ", "-p", port, "-d", "postgres", "-c", query)
        archived, failed, last, current, flushed = row.split()
    except (subprocess.SubprocessError, ValueError):
        return None
    return float(archived), float(failed), unarchived_bytes(last, current, int(flushed))


def unarchived_bytes(last_archived: str, current_segment: str, flushed: int) -> int:
    """WAL flushed past the end of the last archived segment. After a restore, until a
    segment of the new timeline is archived, all of it."""
    segment = last_archived[:24]
    if not SEGMENT.fullmatch(segment) or segment[:8] != current_segment[:8]:
        return flushed
    end = int(segment[8:16], 16) * 2**32 + (int(segment[16:24], 16) + 1) * SEGMENT_SIZE
    return max(0, flushed - end)


def unarchived_since(waiting: int, before: float, now: float) -> float:
    """Keeps the time written WAL began to wait, until it no longer waits."""
    if waiting <= IDLE_WAL_BYTES:
        return 0.0
    return before or now


def previous(path: Path) -> dict[str, float]:
    values: dict[str, float] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name in HELP:
                values[name] = float(value)
    return values


def write(path: Path, values: dict[str, float]) -> None:
    lines = []
    for name, value in values.items():
        lines += [f"# HELP {name} {HELP[name]}", f"# TYPE {name} gauge", f"{name} {value:.3f}"]
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as file:
        file.write("\n".join(lines) + "\n")
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="agrobridge-backup-metrics",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--stanza", default="agrobridge")
    parser.add_argument("--port", default="5432")
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)

    values = previous(args.output)
    backup = last_backup(args.stanza)
    if backup is not None:
        values[BACKUP] = backup
    wal = archiver(args.port)
    if wal is not None:
        values[ARCHIVED], values[FAILED], waiting = wal
        values[UNARCHIVED] = unarchived_since(waiting, values.get(UNARCHIVED, 0.0), time.time())
    if values:
        write(args.output, values)
    return 0 if backup is not None and wal is not None else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
