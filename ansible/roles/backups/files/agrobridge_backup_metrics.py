#!/usr/bin/python3
"""agrobridge-backup-metrics: the backup and WAL archiving status for node_exporter.

Run by cron every minute on the database host (as root). Writes, atomically, in the
textfile collector's format:

  agrobridge_backup_last_success_timestamp_seconds   when the newest backup in the repository ended
  agrobridge_backup_wal_last_archived_timestamp_seconds  when PostgreSQL last archived a WAL segment
  agrobridge_backup_wal_last_failed_timestamp_seconds    when archiving last failed (0: never)

When the repository cannot be read, the last known backup time is kept, so the age keeps
growing and BackupTooOld fires as it should. Python's standard library only.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BACKUP = "agrobridge_backup_last_success_timestamp_seconds"
ARCHIVED = "agrobridge_backup_wal_last_archived_timestamp_seconds"
FAILED = "agrobridge_backup_wal_last_failed_timestamp_seconds"
HELP = {
    BACKUP: "End of the newest backup in the pgBackRest repository.",
    ARCHIVED: "Time PostgreSQL last archived a WAL segment (pg_stat_archiver).",
    FAILED: "Time WAL archiving last failed, 0 when it never did (pg_stat_archiver).",
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


def archiver(port: str) -> tuple[float, float] | None:
    query = (
        "SELECT coalesce(extract(epoch FROM last_archived_time), 0), "
        "coalesce(extract(epoch FROM last_failed_time), 0) FROM pg_stat_archiver"
    )
    try:
        row = as_postgres("psql", "-XAtF", " ", "-p", port, "-d", "postgres", "-c", query)
        archived, failed = row.split()
    except (subprocess.SubprocessError, ValueError):
        return None
    return float(archived), float(failed)


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
        values[ARCHIVED], values[FAILED] = wal
    if values:
        write(args.output, values)
    return 0 if backup is not None and wal is not None else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
