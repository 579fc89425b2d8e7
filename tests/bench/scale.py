"""`just bench-scale`: the hot reads' latency and plans at several database sizes.

For each size N (`--sizes`, lots), a database of N seeded lots (tests/bench/scale_db.py,
tests/bench/seed_scale.py; made once, then reused), and on it each hot read called through its
repository, the API's own code and SQL, from one process: `--repeat` timed calls per read,
in `--rounds` rounds in which the sizes take turns, the reads interleaved, each call on one of
20 targets drawn at random (lots, organisations, split trees, public codes), after an untimed
pass. Then the plan PostgreSQL chose for the SQL each read sent (EXPLAIN, captured from the
database client). The default sizes are what a 2-core development machine seeds in about
15 minutes; `--sizes 0,1000000,10000000` asks for production's.

Writes docs/bench-scale.json, the chart docs/bench-scale.svg and the table in
docs/benchmarks.md (between its markers). What HTTP, the token and JSON add is the same at
every size: `just bench` measures those.
"""

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tortoise import Tortoise, connections

from api.application.pagination import Cursor
from api.domain.audit import AuditFilter
from api.domain.batches import BatchFilter, BatchStatus
from api.infrastructure.db.audit import PgAuditLog
from api.infrastructure.db.batches import PgBatches
from api.infrastructure.db.config import tortoise_config
from api.infrastructure.db.events import PgEvents
from api.infrastructure.db.lineage import PgLineage
from api.infrastructure.db.public import PgPublicReads
from tests.bench.scale_chart import chart
from tests.bench.scale_db import prepare
from tests.support.sent_sql import catching, explain, summary

ROOT = Path(__file__).resolve().parents[2]
PAGE = 20
DEEP_PAGE = 500
TARGETS = 20
# The filters of the batch list (GET /batches); dates within the seed's first week.
FILTERS = {
    "none": BatchFilter(),
    "status": BatchFilter(status=BatchStatus.DELIVERED),
    "product": BatchFilter(product="Avocado"),
    "dates": BatchFilter(created_from=date(2030, 1, 1), created_to=date(2030, 1, 7)),
}
START_MARK = "<!-- bench-scale: start (written by `just bench-scale`) -->"
END_MARK = "<!-- bench-scale: end -->"

Read = Callable[[int], Awaitable[object]]


async def sample(sql: str, *params: Any) -> list[Any]:
    rows = await connections.get("default").execute_query_dict(sql, list(params))
    return [next(iter(row.values())) for row in rows]


def fill(found: list[Any], make: Callable[[], Any]) -> list[Any]:
    """TARGETS targets: those found, or (an empty database) ones that match nothing."""
    return (found * TARGETS)[:TARGETS] if found else [make() for _ in range(TARGETS)]


async def cursor_at(where: str, params: list[Any], page: int) -> Cursor:
    """The cursor that opens the `page`th page (or the last one, when there are fewer)."""
    sql = (
        f"SELECT created_at, id FROM batches {where} ORDER BY created_at DESC, id DESC"  # noqa: S608
        f" OFFSET ${len(params) + 1} LIMIT 1"
    )
    client = connections.get("default")
    total = await client.execute_query_dict(
        f"SELECT count(*) AS n FROM batches {where}",  # noqa: S608 - fixed fragments
        params,
    )
    offset = max(0, min((page - 1) * PAGE, total[0]["n"]) - 1)
    rows = await client.execute_query_dict(sql, [*params, offset])
    if not rows:
        return Cursor(datetime(2100, 1, 1, tzinfo=UTC), uuid.UUID(int=2**128 - 1))
    return Cursor(rows[0]["created_at"], rows[0]["id"])


def filter_sql(filters: BatchFilter, params: list[Any]) -> list[str]:
    out = []
    if filters.status:
        params.append(filters.status.value)
        out.append(f"status = ${len(params)}")
    if filters.product:
        params.append(filters.product)
        out.append(f"lower(product) = lower(${len(params)})")
    if filters.created_from:
        params.append(datetime.combine(filters.created_from, datetime.min.time(), UTC))
        out.append(f"created_at >= ${len(params)}")
    if filters.created_to:
        end = filters.created_to + timedelta(days=1)
        params.append(datetime.combine(end, datetime.min.time(), UTC))
        out.append(f"created_at < ${len(params)}")
    return out


def paging(
    batches: PgBatches, owners: list[Any], filters: BatchFilter, after: Cursor | None
) -> Read:
    """A page of lots: everyone's (owner None) or an organisation's, owned or received."""

    def read(n: int) -> Awaitable[object]:
        owner = owners[n % len(owners)]
        return batches.page(owner, filters, after, PAGE + 1, or_recipient=owner is not None)

    return read


async def reads() -> dict[str, Read]:
    """Each hot read, as a call on the n-th of its targets."""
    rng = random.Random(7)
    batches, events, lineage = PgBatches(), PgEvents(), PgLineage()
    audit, public = PgAuditLog(), PgPublicReads()
    ids = fill(await sample("SELECT id FROM batches ORDER BY random() LIMIT 20"), uuid.uuid4)
    orgs = fill(await sample("SELECT owner_id FROM batches ORDER BY random() LIMIT 20"), uuid.uuid4)
    roots = fill(
        await sample(
            "SELECT p.id FROM batches p WHERE p.parent_id IS NULL AND p.status = 'split'"
            " ORDER BY random() LIMIT 20"
        ),
        uuid.uuid4,
    )
    leaves = fill(
        await sample(
            "SELECT c.id FROM batches c JOIN batches p ON p.id = c.parent_id"
            " JOIN batches g ON g.id = p.parent_id WHERE g.parent_id IS NOT NULL"
            " ORDER BY random() LIMIT 20"
        ),
        uuid.uuid4,
    )
    codes = fill(
        await sample(
            "SELECT b.public_code FROM batches b WHERE b.published_at IS NOT NULL"
            " AND EXISTS (SELECT 1 FROM transactions t WHERE t.batch_id = b.id)"
            " ORDER BY random() LIMIT 20"
        ),
        lambda: f"NONE-{rng.getrandbits(32)}",
    )
    out: dict[str, Read] = {
        "batch by id": lambda n: batches.get(ids[n]),
        "batch events": lambda n: events.chain(ids[n]),
        "lineage down, 3 levels": lambda n: lineage.descendants(roots[n]),
        "lineage up, 3 levels": lambda n: lineage.ancestors(leaves[n]),
        "public view": lambda n: public.snapshot(codes[n]),
    }
    for name, filters in FILTERS.items():
        params: list[Any] = []
        conditions = filter_sql(filters, params)
        where = "WHERE " + " AND ".join(conditions) if conditions else ""
        deep = await cursor_at(where, params, DEEP_PAGE)
        out[f"all lots, {name}, page 1"] = paging(batches, [None], filters, None)
        out[f"all lots, {name}, page {DEEP_PAGE}"] = paging(batches, [None], filters, deep)
        # An organisation's lots (owned or received): the deepest page it has, up to 500.
        org_params: list[Any] = [orgs[0]]
        org_where = " AND ".join(
            ["(owner_id = $1 OR recipient_id = $1)", *filter_sql(filters, org_params)]
        )
        last = await cursor_at("WHERE " + org_where, org_params, DEEP_PAGE)
        out[f"organisation's lots, {name}, page 1"] = paging(batches, orgs, filters, None)
        out[f"organisation's lots, {name}, last page"] = paging(batches, orgs[:1], filters, last)
    deep_audit = await audit_cursor()
    out["audit log, page 1"] = lambda n: audit.page(AuditFilter(), None, PAGE + 1)
    out[f"audit log, page {DEEP_PAGE}"] = lambda n: audit.page(AuditFilter(), deep_audit, PAGE + 1)
    out["audit log, by organisation"] = lambda n: audit.page(
        AuditFilter(organisation_id=orgs[n]), None, PAGE + 1
    )
    out["audit log, by target"] = lambda n: audit.page(
        AuditFilter(target_id=str(ids[n])), None, PAGE + 1
    )
    out["audit log, by action"] = lambda n: audit.page(
        AuditFilter(action="batch.split"), None, PAGE + 1
    )
    return out


async def audit_cursor() -> Cursor:
    rows = await connections.get("default").execute_query_dict(
        "SELECT at, id FROM audit_logs ORDER BY at DESC, id DESC OFFSET $1 LIMIT 1",
        [(DEEP_PAGE - 1) * PAGE - 1],
    )
    if not rows:
        return Cursor(datetime(2100, 1, 1, tzinfo=UTC), uuid.UUID(int=2**128 - 1))
    return Cursor(rows[0]["at"], rows[0]["id"])


async def plan_of(read: Read) -> str:
    """The plan PostgreSQL chooses, at this size, for the statement the read sends."""
    with catching() as seen:
        await read(0)
    return summary(await explain(*seen.last()))


async def measure(url: str, repeat: int) -> dict[str, Any]:
    # Global, as the API does (api/bootstrap.py): batched reads run in contexts of their own.
    await Tortoise.init(
        config=tortoise_config(url, pool_min=1, pool_max=2), _enable_global_fallback=True
    )
    try:
        table = await reads()
        for read in table.values():  # warm up: one call on every target
            for n in range(TARGETS):
                await read(n)
        times: dict[str, list[float]] = {name: [] for name in table}
        for turn in range(repeat):
            for name, read in table.items():
                started = time.perf_counter()
                await read(turn % TARGETS)
                times[name].append((time.perf_counter() - started) * 1000)
        plans = {name: await plan_of(read) for name, read in table.items()}
        counts = await connections.get("default").execute_query_dict(
            "SELECT (SELECT count(*) FROM batches) AS lots,"
            " (SELECT count(*) FROM batch_events) AS events,"
            " (SELECT count(*) FROM transactions) AS transactions,"
            " (SELECT count(*) FROM audit_logs) AS audit_rows,"
            " (SELECT count(*) FROM organisations) AS organisations,"
            " pg_database_size(current_database()) AS bytes"
        )
    finally:
        await Tortoise.close_connections()
    return {"rows": dict(counts[0]), "times": times, "plans": plans}


def stats(measured: list[dict[str, Any]]) -> dict[str, Any]:
    """The rounds of one size together: each read's median and P99, and its plan."""
    last = measured[-1]
    reads = {}
    for name, plan in last["plans"].items():
        ms = sorted(t for run in measured for t in run["times"][name])
        reads[name] = {
            "median_ms": round(statistics.median(ms), 3),
            "p99_ms": round(ms[max(0, round(len(ms) * 0.99) - 1)], 3),
            "calls": len(ms),
            "plan": plan,
        }
    return {"rows": last["rows"], "reads": reads}


def markdown(result: dict[str, Any]) -> str:
    sizes = result["sizes"]
    head = " | ".join(f"{int(s):,} lots: median / P99 ms" for s in sizes)
    lines = [
        START_MARK,
        "",
        f"Run {result['when']} on {result['machine']} (1-minute load average "
        f"{result['load_before']} before, {result['load_after']} after), "
        f"{result['repeat']} calls of each read per size, in {result['rounds']} rounds in which "
        "the sizes take turns:",
        f"`{result['command']}`.",
        "",
        "![Latency of each hot read against the number of lots](bench-scale.svg)",
        "",
        f"| read | {head} | largest / smallest non-empty (median) |",
        "|---|" + "---|" * len(sizes) + "---|",
    ]
    runs = [result["runs"][s] for s in sizes]
    for name in runs[0]["reads"]:
        cells = [
            f"{r['reads'][name]['median_ms']:.2f} / {r['reads'][name]['p99_ms']:.2f}" for r in runs
        ]
        filled = [r["reads"][name]["median_ms"] for r, s in zip(runs, sizes, strict=True) if int(s)]
        ratio = f"{filled[-1] / filled[0]:.2f}x" if len(filled) > 1 else ""
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio} |")
    lines += [
        "",
        "Rows per size:",
        "",
        "| lots | events | transactions | audit rows | organisations | database |",
        "|---|---|---|---|---|---|",
    ]
    for run in runs:
        rows = run["rows"]
        lines.append(
            f"| {rows['lots']:,} | {rows['events']:,} | {rows['transactions']:,} | "
            f"{rows['audit_rows']:,} | {rows['organisations']:,} | "
            f"{rows['bytes'] / 2**30:.2f} GiB |"
        )
    largest, filled = runs[-1], [r for r, s in zip(runs, sizes, strict=True) if int(s)]
    smallest = filled[0] if filled else largest
    lines += [
        "",
        f"Plans at {int(sizes[-1]):,} lots (EXPLAIN of the statement each read sent; where the "
        "smallest non-empty size planned it differently, that plan too):",
        "",
        "| read | plan |",
        "|---|---|",
    ]
    for name, read in largest["reads"].items():
        other = smallest["reads"][name]["plan"]
        also = f"<br>smaller: `{other}`" if other != read["plan"] else ""
        lines.append(f"| {name} | `{read['plan']}`{also} |")
    lines += ["", END_MARK]
    return "\n".join(lines)


def write_docs(result: dict[str, Any], docs: Path) -> None:
    (docs / "bench-scale.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    (docs / "bench-scale.svg").write_text(chart(result))
    page = docs / "benchmarks.md"
    text = page.read_text() if page.exists() else "# Benchmarks\n"
    section = markdown(result)
    if START_MARK in text:
        before, rest = text.split(START_MARK, 1)
        text = before + section + rest.split(END_MARK, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Hot reads at production size\n\n" + section + "\n"
    page.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="the cluster's admin (owner) URL")
    parser.add_argument("--sizes", default="0,100000,300000", help="lots, comma-separated")
    parser.add_argument("--repeat", type=int, default=200, help="timed calls of each read")
    parser.add_argument("--rounds", type=int, default=5, help="turns the sizes take")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    load_before = round(os.getloadavg()[0], 2)
    urls = {lots: prepare(args.database_url, lots) for lots in sizes}
    # The sizes take turns, in rounds, each round in another order: a machine whose load
    # drifts during the run slows every size alike instead of whichever came last.
    measured: dict[int, list[dict[str, Any]]] = {lots: [] for lots in sizes}
    for turn in range(args.rounds):
        shift = turn % len(sizes)
        for lots in sizes[shift:] + sizes[:shift]:
            calls = args.repeat // args.rounds
            measured[lots].append(asyncio.run(measure(urls[lots], calls)))
        print(f"round {turn + 1}/{args.rounds} measured", flush=True)
    runs = {str(lots): stats(measured[lots]) for lots in sizes}
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}",
        "load_before": load_before,
        "load_after": round(os.getloadavg()[0], 2),
        "repeat": args.repeat,
        "rounds": args.rounds,
        "command": f"just bench-scale --sizes {args.sizes} --repeat {args.repeat}"
        f" --rounds {args.rounds}",
        "sizes": [str(s) for s in sizes],
        "runs": runs,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    write_docs(result, args.out)


if __name__ == "__main__":
    main()
