"""`just bench`: the API against a bare reference handler, with wrk and hey, on this machine.

Starts its own PostgreSQL and Redis (scripts/dev-services.sh, under .data/bench, on free
ports), the API with production settings (as staging: plain TCP to the local services) and two
workers, and the reference handler with two workers; seeds batches through the API, ten chain
events on some of them; runs each saturating scenario (wrk, a closed loop) in interleaved
rounds, the public batch view next to the authenticated read, then the authenticated read at
a constant rate (hey) of half the reference's saturating rate; prints and writes a markdown
table and a JSON file (docs/benchmarks.md, docs/benchmarks.json). Besides req/s and latency,
each scenario reports the servers' CPU time per request (from /proc), which holds up on a busy
machine where req/s does not.
"""

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from cryptography.hazmat.primitives import serialization

from api.infrastructure.security.keys import load_private_key, write_private_key
from tests.bench.webhook_load import webhook_traffic

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DATA = ROOT / ".data" / "bench"
# Not containing the user's name or email, which registration refuses.
PASSWORD = "amber " + "quartz meadow lantern"
BENCH_DATABASE = "agrobridge_bench"
API_ROLE = "agrobridge_api"  # created by scripts/dev-services.sh


def sh(*args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def services() -> dict[str, str]:
    # Fresh ports each run: other checkouts on this machine may run their own services.
    sh(str(ROOT / "scripts/dev-services.sh"), "stop", str(DATA))
    ports = str(free_port()), str(free_port())
    sh(str(ROOT / "scripts/dev-services.sh"), "start", str(DATA), *ports)
    exports = sh(str(ROOT / "scripts/dev-services.sh"), "env", str(DATA), *ports)
    env = dict(re.findall(r"export (\w+)=(\S+)", exports))
    return {k: v.strip("'\"") for k, v in env.items()}


async def fresh_database(admin_url: str) -> str:
    connection = await asyncpg.connect(admin_url.rsplit("/", 1)[0] + "/postgres")
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        await connection.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    finally:
        await connection.close()
    return admin_url.rsplit("/", 1)[0] + "/" + BENCH_DATABASE


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            args, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT
        )
    try:
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def wait_ready(url: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not come up")


async def seed(base: str, count: int) -> tuple[str, str, list[str]]:
    email = f"bench-{int(time.time())}@example.com"
    async with httpx.AsyncClient(base_url=base + "/api/v1", timeout=30) as client:
        body = {"email": email, "password": PASSWORD, "full_name": "Bench"}
        (await client.post("/auth/register", json=body)).raise_for_status()
        login = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
        token = login.json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        batch = json.loads((HERE / "batch.json").read_text())
        gate = asyncio.Semaphore(32)

        async def create() -> str:
            async with gate:
                response = await client.post("/batches", json=batch, headers=auth)
                response.raise_for_status()
                return str(response.json()["id"])

        ids = await asyncio.gather(*(create() for _ in range(count)))
    return email, token, list(ids)


async def seed_public(base: str, token: str, ids: list[str], count: int = 50) -> list[str]:
    """Give `count` batches a 10-event chain (created, then 9 recorded transactions)."""
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base + "/api/v1", timeout=30) as client:

        async def chain(batch_id: str) -> str:
            for _ in range(9):
                body = {
                    "tx_hash": "0x" + os.urandom(32).hex(),
                    "network": "polygon-amoy",
                    "event_type": "certified",
                }
                url = f"/batches/{batch_id}/transactions"
                (await client.post(url, json=body, headers=auth)).raise_for_status()
            events = (await client.get(f"/batches/{batch_id}/events", headers=auth)).json()
            assert len(events["data"]) == 10, events
            # Only a public lot has a public view.
            published = await client.post(f"/batches/{batch_id}/publish", headers=auth)
            return str(published.raise_for_status().json()["public_code"])

        return list(await asyncio.gather(*(chain(i) for i in ids[:count])))


def group_cpu_seconds(pgid: int) -> float:
    """CPU time used so far by every process of a process group (a server and its workers)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


WRK_MAX = re.compile(r"^[ \t]+Latency[ \t]+\S+[ \t]+\S+[ \t]+([\d.]+)(us|ms|s)", re.M)
WRK_LATENCY = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(
    url: str,
    script: str,
    env: dict[str, str],
    seconds: int,
    connections: int = 64,
    pgid: int | None = None,
) -> dict[str, float]:
    cpu_before = group_cpu_seconds(pgid) if pgid else 0.0
    out = sh(
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(HERE / script),
        url,
        env={**os.environ, **env},
    )
    cpu = group_cpu_seconds(pgid) - cpu_before if pgid else 0.0
    latency = {f"p{p}": float(v) * UNITS[u] for p, v, u in WRK_LATENCY.findall(out)}
    slowest = WRK_MAX.search(out)
    if slowest:
        latency["max"] = float(slowest.group(1)) * UNITS[slowest.group(2)]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if non2xx:
        # A server answering errors measures its error path, not the scenario.
        raise SystemExit(f"{script} on {url}: {non2xx.group(1)} answers were not 2xx or 3xx")
    errors = sum(int(x) for x in socket.groups()) if socket else 0
    over_2s = int(socket.group(4)) if socket else 0
    cpu_us = 1e6 * cpu / done if done and pgid else 0.0
    return {"rps": rps, **latency, "errors": errors, "over_2s": over_2s, "cpu_us": cpu_us}


def hey(url: str, token: str, rate: float, seconds: int, pgid: int) -> dict[str, float]:
    """A constant request rate (16 clients, each at rate/16 req/s): latency at a known load."""
    cpu_before = group_cpu_seconds(pgid)
    out = sh(
        "hey", "-z", f"{seconds}s", "-c", "16", "-q", f"{rate / 16:.1f}", "-o", "csv",
        "-H", f"Authorization: Bearer {token}", url,
    )  # fmt: skip
    cpu = group_cpu_seconds(pgid) - cpu_before
    rows = [line.split(",") for line in out.splitlines()[1:] if line.count(",") >= 7]
    times = sorted(float(row[0]) * 1000 for row in rows)
    if not times:
        raise SystemExit(f"hey got no answers from {url}")
    if refused := sum(1 for row in rows if row[6] not in ("200", "")):
        raise SystemExit(f"{url}: {refused} answers were not 200")

    def pct(p: float) -> float:
        return times[min(len(times) - 1, int(p / 100 * len(times)))]

    return {
        "rps": len(times) / seconds,
        "p50": pct(50),
        "p90": pct(90),
        "p99": pct(99),
        "max": times[-1],
        "errors": sum(1 for row in rows if row[6] != "200"),
        "over_1s": sum(1 for t in times if t > 1000),
        "cpu_us": 1e6 * cpu / len(times),
    }


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def worker_rss(base: str) -> list[int]:
    text = httpx.get(base + "/metrics").text
    return [
        int(float(v))
        for v in re.findall(r"agrobridge_process_resident_memory_bytes\{[^}]*\} (\S+)", text)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--batches", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    for tool in ("wrk", "hey"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed: apt-get install wrk hey")
    load_before = os.getloadavg()

    DATA.mkdir(parents=True, exist_ok=True)
    env = services()
    try:
        rss, runs, rate, hooks = measure(args, env)
    finally:
        # The throwaway PostgreSQL and Redis go with the run.
        sh(str(ROOT / "scripts/dev-services.sh"), "stop", str(DATA))
    report(runs, rss, args, (load_before, os.getloadavg()), rate, hooks)


def measure(
    args: argparse.Namespace, env: dict[str, str]
) -> tuple[list[int], dict[str, list[dict[str, float]]], float, dict[str, float]]:
    """Start both servers, seed, run every scenario; the workers' memory, the runs, the rate,
    and the webhooks' commit-to-delivery delays under reads and writes."""
    api_port, ref_port = free_port(), free_port()
    database_url = asyncio.run(fresh_database(env["DATABASE_URL"]))
    key = DATA / "keys" / "jwt-signing.pem"
    if not key.exists():
        write_private_key(key)
    public = DATA / "keys" / "jwt-public.pem"
    public.write_bytes(
        load_private_key(key)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    common = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": env["REDIS_URL"]}
    migrate_env = common | {"AGROBRIDGE_DB_RUNTIME_ROLE": API_ROLE}
    sh(sys.executable, "-m", "api", "migrate", env=migrate_env)
    api_env = common | {
        # As deployed: the API connects as its own least-privilege role.
        "DATABASE_URL": env["API_DATABASE_URL"].rsplit("/", 1)[0] + "/" + BENCH_DATABASE,
        # Production's settings but for its refusal of plain TCP to PostgreSQL and Redis,
        # which these throwaway local services speak (and so does the reference).
        "AGROBRIDGE_ENV": "staging",
        "AGROBRIDGE_JWT_PRIVATE_KEY_FILE": str(key),
        "AGROBRIDGE_PORT": str(api_port),
        "AGROBRIDGE_WORKERS": "2",
        "AGROBRIDGE_LOG_DIR": str(DATA / "logs"),
        "AGROBRIDGE_LOG_STDOUT": "false",
        "AGROBRIDGE_ACCESS_TOKEN_TTL_SECONDS": "3600",
        # Limits stay on (every request runs the script) but never reject the benchmark.
        "AGROBRIDGE_RATE_LIMIT_USER_PER_MINUTE": "100000000",
        "AGROBRIDGE_RATE_LIMIT_AUTH_PER_MINUTE": "100000000",
        "AGROBRIDGE_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "100000000",
        "AGROBRIDGE_RATE_LIMIT_PUBLIC_PER_MINUTE": "100000000",
        # Every login comes from one address here: let it queue as many as a worker takes.
        "AGROBRIDGE_HASH_QUEUE_PER_ADDRESS": "8",
    }
    ref_env = common | {"REFERENCE_PUBLIC_KEY_FILE": str(public)}
    api = f"http://127.0.0.1:{api_port}"
    ref = f"http://127.0.0.1:{ref_port}"
    with ExitStack() as stack:
        api_pgid = stack.enter_context(
            process([sys.executable, "-m", "api", "serve"], api_env, DATA / "api.log")
        ).pid
        ref_pgid = stack.enter_context(
            process(
                [
                    sys.executable,
                    "-m",
                    "sanic",
                    "tests.bench.reference_app:create_app",
                    "--factory",
                    "--workers",
                    "2",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(ref_port),
                    "--no-motd",
                    "--no-access-logs",
                ],
                ref_env,
                DATA / "reference.log",
            )
        ).pid
        wait_ready(api + "/api/v1/health")
        wait_ready(ref + "/api/v1/batches/00000000-0000-0000-0000-000000000000")
        email, token, ids = asyncio.run(seed(api, args.batches))
        (DATA / "ids.txt").write_text("\n".join(ids) + "\n")
        codes = asyncio.run(seed_public(api, token, ids))
        (DATA / "codes.txt").write_text("\n".join(codes) + "\n")
        wrk_env = {
            "BENCH_IDS": str(DATA / "ids.txt"),
            "BENCH_CODES": str(DATA / "codes.txt"),
            "BENCH_TOKEN": token,
            "BENCH_EMAIL": email,
            "BENCH_PASSWORD": PASSWORD,
        }
        s = args.seconds
        runs: dict[str, list[dict[str, float]]] = {}

        def run(name: str, url: str, script: str, pgid: int, connections: int = 64) -> None:
            result = wrk(url, script, wrk_env, s, connections, pgid)
            runs.setdefault(name, []).append(result)

        for _ in range(args.rounds):
            run("read_api", api, "read.lua", api_pgid)
            run("read_reference", ref, "read.lua", ref_pgid)
            run("public_view", api, "public.lua", api_pgid)
            run("health_api", api, "health.lua", api_pgid)
            run("health_reference", ref, "health.lua", ref_pgid)
        # Half the reference's saturating rate, held constant: latency without queueing.
        rate = statistics.median(r["rps"] for r in runs["read_reference"]) / 2
        one = f"/api/v1/batches/{ids[0]}"
        for _ in range(args.rounds):
            runs.setdefault("read_api_constant", []).append(
                hey(api + one, token, rate, s, api_pgid)
            )
            runs.setdefault("read_reference_constant", []).append(
                hey(ref + one, token, rate, s, ref_pgid)
            )
        for _ in range(args.rounds):
            run("create", api, "create.lua", api_pgid)
            run("list", api, "list.lua", api_pgid)
            run("login", api, "login.lua", api_pgid, connections=8)
        # Reads while logins run flat out: hashing must not stall the event loop.
        with ExitStack() as logins:
            logins.enter_context(
                process(
                    ["wrk", "-t1", "-c8", f"-d{s + 2}s", "-s", str(HERE / "login.lua"), api],
                    {**os.environ, **wrk_env},
                    DATA / "login-load.log",
                )
            )
            time.sleep(1)
            run("read_during_logins", api, "read.lua", api_pgid)
        # Reads and batch creations flat out at once, while writes that partners hear of are
        # delivered by a worker beside the API (tests/bench/webhook_load.py).
        creations = ["wrk", "-t1", "-c32", f"-d{3 * s + 2}s", "-s", str(HERE / "create.lua"), api]
        with (
            webhook_traffic(api, token, ids, database_url, api_env, DATA) as hooks,
            process(creations, {**os.environ, **wrk_env}, DATA / "create-load.log"),
        ):
            time.sleep(1)
            result = wrk(api, "read.lua", wrk_env, 3 * s, 32, api_pgid)
            runs["read_during_writes_and_webhooks"] = [result]
        rss = worker_rss(api)
    return rss, runs, rate, hooks


TARGETS = {
    "read_api": "≥ 1.0x reference req/s, P99 < 100 ms, nothing over 1 s",
    "read_reference": "(reference)",
    "public_view": "no token, 10-event chains, verdicts made when they changed; beside read_api",
    "health_api": "≥ 0.5x reference req/s",
    "health_reference": "(reference: bare Sanic)",
    "read_api_constant": "P99 < 20 ms",
    "read_reference_constant": "(reference)",
    "create": "≥ 1,000 req/s, P99 < 150 ms",
    "list": "≥ 1,500 req/s",
    "login": "(argon2id: bounded by CPU)",
    "read_during_logins": "P99 < 100 ms",
    "read_during_writes_and_webhooks": "(wrk -c32, beside creations at -c32 and webhooks)",
}
# Everything after this line in docs/benchmarks.md is written by hand and kept.
KEEP_MARK = "<!-- the notes below are kept by `just bench` -->"


def machine() -> str:
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores ({model}), {system}, Python {platform.python_version()}"


def report(
    runs: dict[str, list[dict[str, float]]],
    rss: list[int],
    args: argparse.Namespace,
    load: tuple[tuple[float, float, float], tuple[float, float, float]],
    rate: float,
    hooks: dict[str, float],
) -> None:
    results = {name: median_of(r) for name, r in runs.items()}

    def ratio(name: str, key: str = "rps") -> float:
        return results[f"{name}_api"][key] / results[f"{name}_reference"][key]

    def public(key: str) -> float:
        return results["public_view"][key] / results["read_api"][key]

    document: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average_before_after": [round(load[0][0], 2), round(load[1][0], 2)],
        "rounds": args.rounds,
        "seconds": args.seconds,
        "constant_rate": round(rate, 1),
        "results": results,
        "read_ratio_to_reference": round(ratio("read"), 3),
        "health_ratio_to_reference": round(ratio("health"), 3),
        "read_cpu_ratio_to_reference": round(ratio("read", "cpu_us"), 3),
        "health_cpu_ratio_to_reference": round(ratio("health", "cpu_us"), 3),
        "public_view_ratio_to_read": round(public("rps"), 3),
        "public_view_cpu_ratio_to_read": round(public("cpu_us"), 3),
        "worker_rss_mb": [round(b / 2**20, 1) for b in rss],
        "webhooks_under_load": hooks,
    }
    rows = [
        "| scenario | req/s | P50 ms | P90 ms | P99 ms | max ms | errors "
        "| over 2 s (wrk) / 1 s (hey) | server CPU µs/req | target |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        over = r.get("over_1s", r.get("over_2s", 0))
        rows.append(
            f"| {name} | {r['rps']:.0f} | {r.get('p50', 0):.2f} | {r.get('p90', 0):.2f} | "
            f"{r.get('p99', 0):.2f} | {r.get('max', 0):.0f} | {r['errors']:.0f} | {over:.0f} | "
            f"{r['cpu_us']:.0f} | {TARGETS.get(name, '')} |"
        )
    table = "\n".join(rows)
    before, after = document["load_average_before_after"]
    markdown = (
        f"# Benchmarks\n\nLatest `just bench` ({document['when']}, {document['machine']}; "
        f"1-minute load average {before} before, {after} after; medians of {args.rounds} "
        f"interleaved rounds of {args.seconds} s; wrk -t2 -c64 for the saturating runs, "
        f"hey -c16 at {rate:.0f} req/s (half the reference's read rate) for the constant "
        f"ones, all on the same machine as the servers):\n\n{table}\n\n"
        f"Against the reference: authenticated read **{ratio('read'):.2f}x** its req/s at "
        f"**{ratio('read', 'cpu_us'):.2f}x** its CPU per request; health "
        f"**{ratio('health'):.2f}x** its req/s at **{ratio('health', 'cpu_us'):.2f}x** its CPU "
        f"per request. Public batch view (no token, 10-event chains, verdicts made when they "
        f"changed) against the authenticated read: **{public('rps'):.2f}x** its req/s at "
        f"**{public('cpu_us'):.2f}x** its CPU per request. "
        f"Worker resident memory after the runs: "
        f"{', '.join(f'{m} MB' for m in document['worker_rss_mb'])}.\n\n"
        f"Webhooks under load: during read_during_writes_and_webhooks (reads and batch "
        f"creations flat out), {hooks['writes']:.0f} transactions recorded through the API, one "
        f"at a time, {hooks['rate']:.1f} a second ({hooks['failed_writes']:.0f} failed), each a "
        f"`transaction.recorded` event that one worker (`python -m api webhooks`) delivered to "
        f"a local receiver: {hooks['delivered']:.0f} of {hooks['events']:.0f} delivered, "
        f"commit to delivery median **{hooks['p50'] * 1000:.0f} ms**, P99 "
        f"**{hooks['p99'] * 1000:.0f} ms**, max {hooks['max'] * 1000:.0f} ms.\n\n"
        "Server CPU µs/req is the CPU time of the server's processes (main process and workers, "
        "from /proc) divided by the requests answered; PostgreSQL and Redis are not included. "
        "Unlike req/s it barely moves when other work shares the machine.\n"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    page = args.out / "benchmarks.md"
    kept = ""
    if page.exists() and KEEP_MARK in page.read_text():
        kept = page.read_text().split(KEEP_MARK, 1)[1]
    page.write_text(markdown + "\n" + KEEP_MARK + kept)
    (args.out / "benchmarks.json").write_text(json.dumps(document, indent=2) + "\n")
    print(markdown)


if __name__ == "__main__":
    main()
