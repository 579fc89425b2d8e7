#!/usr/bin/python3
"""agrobridge-timelines: the timelines the pgBackRest repository holds, and what a restore
along one of them would discard.

Every restore to a point in time starts a new timeline: the writes made after it live on the
new one, and the old one keeps what it had after the restore's target. A later restore must
therefore say which timeline it follows. This script, run where pgBackRest reads the
repository (the backup host), answers two questions:

  list                  each timeline: where it branched off, when it was live, its WAL
  plan [--to EPOCH] [--timeline N] [--discard-newer-timelines]
                        the timeline a restore follows (by default the one that was live at
                        EPOCH, or the newest without --to) and what it discards; exit 3 with
                        the reason when it would discard a newer timeline's writes unless told
                        so, or cannot reach the time

`plan` prints one JSON object. Python's standard library only.
"""

import argparse
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

SEGMENT = re.compile(r"(?:^|/)([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(\.partial)?-[0-9a-f]{40}")
HISTORY = re.compile(r"(?:^|/)([0-9A-F]{8})\.history$")
SEGMENT_SIZE = 16 * 1024 * 1024
REFUSED = 3


@dataclass
class Timeline:
    id: int
    parent: int | None = None
    branch_lsn: int = 0
    reason: str = ""
    created: float = 0.0  # when its history file reached the repository: the restore's end
    segments: list[tuple[int, float]] = field(default_factory=list)  # (number, archived at)

    @property
    def last_archived(self) -> float:
        return max((at for _, at in self.segments), default=self.created)

    @property
    def first_archived(self) -> float:
        return min((at for _, at in self.segments), default=self.created)

    def wal_bytes(self) -> int:
        """WAL written on this timeline, to the end of its newest archived segment."""
        if not self.segments:
            return 0
        end = (max(number for number, _ in self.segments) + 1) * SEGMENT_SIZE
        return max(0, end - self.branch_lsn)


def lsn(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def parse_history(text: str) -> tuple[int, int, str] | None:
    """The last line of a timeline history file: the parent, where this one left it, why."""
    rows = [line.split("\t") for line in text.splitlines() if line.strip() and line[0] != "#"]
    if not rows:
        return None
    parent, switch, *reason = rows[-1]
    return int(parent), lsn(switch.strip()), " ".join(reason).strip()


def read_timelines(
    listing: dict[str, dict[str, object]], history: Callable[[str], str]
) -> dict[int, Timeline]:
    """The timelines of one archive id from `pgbackrest repo-ls --recurse --output=json`."""
    timelines: dict[int, Timeline] = {1: Timeline(1)}

    def get(tli: int) -> Timeline:
        return timelines.setdefault(tli, Timeline(tli))

    for name, entry in listing.items():
        at = float(entry.get("time", 0) or 0)  # type: ignore[arg-type]
        if match := SEGMENT.search(name):
            if match.group(4):
                # The old timeline's last segment, pushed by the restore that left it: its time
                # is the restore's, not a write's.
                continue
            tli, log, seg = (int(part, 16) for part in match.groups()[:3])
            get(tli).segments.append(((log << 8) + seg, at))  # 256 segments of 16 MiB a log
        elif match := HISTORY.search(name):
            timeline = get(int(match.group(1), 16))
            timeline.created = at
            parsed = parse_history(history(name))
            if parsed:
                timeline.parent, timeline.branch_lsn, timeline.reason = parsed
    return timelines


def line_of(timelines: dict[int, Timeline], tli: int) -> list[int]:
    """The timeline and its ancestors, newest first."""
    chain = [tli]
    while (parent := timelines[chain[-1]].parent) is not None and parent in timelines:
        chain.append(parent)
    return chain


def live_at(timelines: dict[int, Timeline], moment: float) -> int:
    """The timeline the database was on at a moment: the newest one begun by then."""
    begun = [t.id for t in timelines.values() if t.id == 1 or t.created <= moment]
    return max(begun)


def when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))


def mib(size: int) -> str:
    return f"{size / 1048576:.0f} MiB"


def describe(timeline: Timeline, newest: int) -> str:
    if timeline.parent is None:
        origin = "the original timeline"
    else:
        origin = (
            f"branched from timeline {timeline.parent} at {timeline.branch_lsn >> 32:X}/"
            f"{timeline.branch_lsn & 0xFFFFFFFF:X} ({timeline.reason or 'no reason recorded'}) "
            f"by a restore that ended {when(timeline.created)}"
        )
    if timeline.segments:
        held = (
            f"{len(timeline.segments)} WAL segments, up to {mib(timeline.wal_bytes())} of WAL, "
            f"archived {when(timeline.first_archived)} to {when(timeline.last_archived)}"
        )
    else:
        held = "no WAL segment archived yet"
    current = " (current)" if timeline.id == newest else ""
    return f"timeline {timeline.id}{current}: {origin}; {held}"


def plan(
    timelines: dict[int, Timeline],
    target: float | None,
    chosen: int | None,
    discard_newer: bool,
) -> dict[str, object]:
    """The timeline a restore follows and what it discards; `refused` says why not, if so."""
    newest = max(timelines)
    tli = (
        chosen if chosen is not None else (newest if target is None else live_at(timelines, target))
    )
    result: dict[str, object] = {"timeline": tli, "newest": newest, "discards": [], "refused": ""}
    if tli not in timelines:
        result["refused"] = f"the repository holds no timeline {tli} (it holds {sorted(timelines)})"
        return result
    followed = timelines[tli]
    if target is not None and target > followed.last_archived:
        result["refused"] = (
            f"{when(target)} is after the last WAL archived on timeline {tli} "
            f"({when(followed.last_archived)}): the archive holds nothing later"
            + ("; leave out --to to restore the latest point" if tli == newest else "")
        )
        return result
    if target is not None and target < followed.created and followed.parent is not None:
        result["refused"] = (
            f"timeline {tli} began {when(followed.created)}, after {when(target)}: restore along "
            f"timeline {live_at(timelines, target)}, the one live then"
        )
        return result
    kept = line_of(timelines, tli)
    abandoned = [t for t in line_of(timelines, newest) if t not in kept]
    discards = [
        f"every write on timeline {t}: {len(timelines[t].segments)} WAL segments, up to "
        f"{mib(timelines[t].wal_bytes())}, written {when(timelines[t].created)} to "
        f"{when(timelines[t].last_archived)}"
        for t in abandoned
    ]
    later = [at for _, at in followed.segments if target is not None and at > target]
    if later:
        discards.append(
            f"the writes on timeline {tli} after {when(target or 0)}: up to {len(later)} WAL "
            f"segments, the newest archived {when(max(later))}"
        )
    result["discards"] = discards
    if abandoned and not discard_newer:
        result["refused"] = (
            f"restoring along timeline {tli}"
            + (f" to {when(target)}" if target is not None else "")
            + " would discard "
            + "; and ".join(discards[: len(abandoned)])
            + ". Rerun with --discard-newer-timelines to accept that, or choose another point"
            " (just backups ENV lists the timelines)"
        )
    return result


def pgbackrest(stanza: str, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 (a fixed program, arguments from this script)
        ["/usr/bin/pgbackrest", f"--stanza={stanza}", "--log-level-console=warn", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"pgbackrest {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def repository(stanza: str) -> dict[int, Timeline]:
    info = json.loads(pgbackrest(stanza, "--output=json", "info"))
    archives = [archive for s in info for archive in s.get("archive", [])]
    if not archives:
        raise SystemExit(f"the repository holds no WAL archive for '{stanza}'")
    archive_id = max(archives, key=lambda a: a["database"]["id"])["id"]
    root = f"archive/{stanza}/{archive_id}"
    listing = json.loads(pgbackrest(stanza, "--recurse", "--output=json", "repo-ls", root))
    return read_timelines(listing, lambda name: pgbackrest(stanza, "repo-get", f"{root}/{name}"))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="agrobridge-timelines",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--stanza", default="agrobridge")
    parser.add_argument("command", choices=["list", "plan"])
    parser.add_argument("--to", type=float, help="the restore's target, seconds since the epoch")
    parser.add_argument("--timeline", type=int, help="the timeline to follow")
    parser.add_argument("--discard-newer-timelines", action="store_true")
    args = parser.parse_args(argv)
    timelines = repository(args.stanza)
    if args.command == "list":
        newest = max(timelines)
        for timeline in sorted(timelines.values(), key=lambda t: t.id):
            print(describe(timeline, newest))
        return 0
    result = plan(timelines, args.to, args.timeline, args.discard_newer_timelines)
    print(json.dumps(result))
    return REFUSED if result["refused"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
