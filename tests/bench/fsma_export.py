"""FSMA 204 export benchmark: 100,000 rows written as CSV and as XLSX, each in a process of its
own, with the time taken and the process's peak resident memory.

`uv run --frozen python -m tests.bench.fsma_export [--rows N] [--formats csv,xlsx,held]`

The rows come as they would from the database: shipments of different lots on different days,
turned into rows (`rows_for`) one at a time and handed to the writer, whose chunks are counted
and dropped. Each format runs in a fresh interpreter, because the peak resident set size
(`resource.getrusage(RUSAGE_SELF).ru_maxrss`) only ever grows: the table shows it after the
imports, at the end, and the growth between. `held` makes the same rows into a list and writes
nothing: what an export would take that held its rows. CPU time is shown beside wall time, which
a busy machine stretches. Not part of the test suite.
"""

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from collections.abc import AsyncGenerator, AsyncIterable
from typing import Any

from api.domain.fsma.mapping import rows_for
from api.domain.fsma.rows import Row
from api.infrastructure.exports.csv_rows import csv_chunks
from api.infrastructure.exports.xlsx_rows import xlsx_chunks
from tests.support import fsma

WRITERS = {"csv": csv_chunks, "xlsx": xlsx_chunks}


def peak_rss_mib() -> float:
    # Linux reports kibibytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def rows(count: int) -> AsyncGenerator[Row, None]:
    for shipment in fsma.shipments(count):
        for row in rows_for(shipment):
            yield row


async def written(chunks: AsyncIterable[bytes]) -> int:
    size = 0
    async for chunk in chunks:
        size += len(chunk)
    return size


def measure(form: str, count: int) -> dict[str, Any]:
    """One format in this process."""
    before_rss, started, before_cpu = peak_rss_mib(), time.perf_counter(), cpu_seconds()
    if form == "held":
        held = [row for shipment in fsma.shipments(count) for row in rows_for(shipment)]
        size = 0
    else:
        size = asyncio.run(written(WRITERS[form](rows(count))))
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - before_cpu
    peak = peak_rss_mib()
    if form == "held":
        del held
    return {
        "format": form, "rows": count, "bytes": size, "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2), "rss_after_imports_mib": round(before_rss, 1),
        "peak_rss_mib": round(peak, 1), "rss_growth_mib": round(peak - before_rss, 1),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,xlsx,held", help="comma-separated")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.rows)))
        return
    header = ("format", "rows", "MB written", "wall s", "CPU s", "RSS after imports MiB",
              "peak RSS MiB", "growth MiB")  # fmt: skip
    print(" | ".join(header))
    for form in args.formats.split(","):
        run = subprocess.run(
            [sys.executable, "-m", "tests.bench.fsma_export", "--rows", str(args.rows),
             "--child", form],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        r = json.loads(run.stdout)
        print(" | ".join(str(value) for value in (
            r["format"], r["rows"], round(r["bytes"] / 1e6, 1), r["seconds"], r["cpu_seconds"],
            r["rss_after_imports_mib"], r["peak_rss_mib"], r["rss_growth_mib"],
        )))  # fmt: skip


if __name__ == "__main__":
    main()
