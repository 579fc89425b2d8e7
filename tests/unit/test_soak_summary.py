"""The memory soak's reading of its own samples (tests/load/soak.py): durations as given on
the command line, and a worker's growth once warmed up."""

from argparse import ArgumentTypeError
from pathlib import Path

import pytest

from tests.load.soak import Tally, duration, slope_per_hour, summary

MIB = 2**20


def test_durations_read_as_seconds_minutes_or_hours() -> None:
    assert [duration(text) for text in ("90", "90s", "3m", "1h", "1.5h")] == [
        90,
        90,
        180,
        3600,
        5400,
    ]
    with pytest.raises(ArgumentTypeError, match="not a duration"):
        duration("an hour")


def test_growth_is_measured_per_hour_after_the_warm_up() -> None:
    # One worker: 100 MiB that climbs 1 MiB a minute, and one that levels off at 120 MiB.
    rows = []
    for minute in range(61):
        t = minute * 60.0
        rows.append((t, "", 1, int((100 + minute) * MIB), 0, 0))
        rows.append((t, "", 2, int(min(100 + 2 * minute, 120) * MIB), 0, 0))
    report = summary(rows, Tally(requests=3600), 3600, Path("rss.csv")).splitlines()
    leaking = next(line for line in report if line.startswith("1 "))
    settled = next(line for line in report if line.startswith("2 "))
    assert leaking.split()[-1] == "60.0"  # MiB an hour
    assert settled.split()[-1] == "0.0"
    assert slope_per_hour([(0, 100.0)]) == 0.0
