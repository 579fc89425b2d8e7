"""`just bench`: the API against a bare reference handler, with wrk, on this machine.

Starts its own PostgreSQL and Redis (scripts/dev-services.sh, under .data/bench), the API with
production settings and two workers, and the reference handler with two workers; seeds
batches through the API; runs each scenario in interleaved rounds; prints and writes a
markdown table and a JSON file (docs/benchmarks.md, docs/benchmarks.json).
"""

import argparse
import asyncio
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

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DATA = ROOT / ".data" / "bench"
PASSWORD = "bench-" + "correct horse battery"
API_PORT, REF_PORT = 18000, 18001


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
        await connection.execute("DROP DATABASE IF EXISTS agrobridge_bench WITH (FORCE)")
        await connection.execute("CREATE DATABASE agrobridge_bench")
    finally:
        await connection.close()
    return admin_url.rsplit("/", 1)[0] + "/agrobridge_bench"


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
            batch = (await client.get(f"/batches/{batch_id}", headers=auth)).json()
            return str(batch["code"])

        return list(await asyncio.gather(*(chain(i) for i in ids[:count])))


WRK_LATENCY = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(
    url: str, script: str, env: dict[str, str], seconds: int, connections: int = 64
) -> dict[str, float]:
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
    latency = {f"p{p}": float(v) * UNITS[u] for p, v, u in WRK_LATENCY.findall(out)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    errors += sum(int(x) for x in socket.groups()) if socket else 0
    return {"rps": rps, **latency, "errors": errors}


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
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")

    DATA.mkdir(parents=True, exist_ok=True)
    env = services()
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
    sh(sys.executable, "-m", "api", "migrate", env=common)
    api_env = common | {
        "AGROBRIDGE_ENV": "production",
        "AGROBRIDGE_JWT_PRIVATE_KEY_FILE": str(key),
        "AGROBRIDGE_PORT": str(API_PORT),
        "AGROBRIDGE_WORKERS": "2",
        "AGROBRIDGE_LOG_DIR": str(DATA / "logs"),
        "AGROBRIDGE_LOG_STDOUT": "false",
        "AGROBRIDGE_ACCESS_TOKEN_TTL_SECONDS": "3600",
        # Limits stay on (every request runs the script) but never reject the benchmark.
        "AGROBRIDGE_RATE_LIMIT_USER_PER_MINUTE": "100000000",
        "AGROBRIDGE_RATE_LIMIT_AUTH_PER_MINUTE": "100000000",
        "AGROBRIDGE_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "100000000",
        "AGROBRIDGE_RATE_LIMIT_PUBLIC_PER_MINUTE": "100000000",
    }
    ref_env = common | {"REFERENCE_PUBLIC_KEY_FILE": str(public)}
    api = f"http://127.0.0.1:{API_PORT}"
    ref = f"http://127.0.0.1:{REF_PORT}"
    with ExitStack() as stack:
        stack.enter_context(
            process([sys.executable, "-m", "api", "serve"], api_env, DATA / "api.log")
        )
        stack.enter_context(
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
                    str(REF_PORT),
                    "--no-motd",
                    "--no-access-logs",
                ],
                ref_env,
                DATA / "reference.log",
            )
        )
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
        for _ in range(args.rounds):
            runs.setdefault("read_api", []).append(wrk(api, "read.lua", wrk_env, s))
            runs.setdefault("read_reference", []).append(wrk(ref, "read.lua", wrk_env, s))
            runs.setdefault("public_view", []).append(wrk(api, "public.lua", wrk_env, s))
        for _ in range(args.rounds):
            runs.setdefault("create", []).append(wrk(api, "create.lua", wrk_env, s))
            runs.setdefault("list", []).append(wrk(api, "list.lua", wrk_env, s))
            runs.setdefault("login", []).append(wrk(api, "login.lua", wrk_env, s, connections=8))
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
            runs["read_during_logins"] = [wrk(api, "read.lua", wrk_env, s)]
        rss = worker_rss(api)
    report(runs, rss, args)


TARGETS = {
    "read_api": "≥ 3,000 req/s, ≥ 0.9x reference, P99 < 50 ms, 0 errors",
    "read_reference": "(reference)",
    "public_view": "no token, a 10-event chain verified on each read; P99 < 50 ms, 0 errors",
    "create": "≥ 1,000 req/s, P99 < 100 ms",
    "list": "≥ 1,500 req/s",
    "login": "(argon2id: bounded by CPU)",
    "read_during_logins": "P99 < 100 ms",
}


def report(
    runs: dict[str, list[dict[str, float]]], rss: list[int], args: argparse.Namespace
) -> None:
    results = {name: median_of(r) for name, r in runs.items()}
    ratio = results["read_api"]["rps"] / results["read_reference"]["rps"]
    public_ratio = results["public_view"]["rps"] / results["read_api"]["rps"]
    cpu = platform.processor() or platform.machine()
    machine = f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"
    document: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "rounds": args.rounds,
        "seconds": args.seconds,
        "results": results,
        "read_ratio_to_reference": round(ratio, 3),
        "public_view_ratio_to_read": round(public_ratio, 3),
        "worker_rss_mb": [round(b / 2**20, 1) for b in rss],
    }
    rows = [
        "| scenario | req/s | P50 ms | P90 ms | P99 ms | errors | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        rows.append(
            f"| {name} | {r['rps']:.0f} | {r.get('p50', 0):.2f} | {r.get('p90', 0):.2f} | "
            f"{r.get('p99', 0):.2f} | {r['errors']:.0f} | {TARGETS.get(name, '')} |"
        )
    table = "\n".join(rows)
    markdown = (
        f"# Benchmarks\n\nLatest `just bench` ({document['when']}, {machine}; medians of "
        f"{args.rounds} interleaved rounds of {args.seconds} s, wrk -t2 -c64 on the same "
        f"machine):\n\n{table}\n\nAuthenticated read vs the reference handler: "
        f"**{ratio:.2f}x**. Public verification view (10-event chain) vs the authenticated "
        f"read: **{public_ratio:.2f}x**. Worker resident memory after the run: "
        f"{', '.join(f'{m} MB' for m in document['worker_rss_mb'])}.\n"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "benchmarks.md").write_text(markdown)
    (args.out / "benchmarks.json").write_text(json.dumps(document, indent=2) + "\n")
    print(markdown)


if __name__ == "__main__":
    main()
