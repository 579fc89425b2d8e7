"""`just bench-records`: the FSMA 204 records and the EPCIS lineage document through the real
server, with their time and the server's peak memory.

Starts its own PostgreSQL and Redis (scripts/dev-services.sh, under .data/bench-records, on free
ports) and the API with production settings (as staging) and one worker, as its least-privilege
database role. Then:

- EPCIS: a lot registered, shipped and received, split three levels deep (3, then 3 of each,
  then 9 of each), every part shipped to the other buyer and received: about 200 EPCIS events.
  `GET /batches/{root}/epcis?lineage=true` by the buyer who sees them all, timed `--runs`
  times (median);
- FSMA 204: `--rows` rows' worth of lots seeded straight into PostgreSQL (COPY; each lot
  registered at a farm, shipped under a bill of lading to a warehouse, received: three rows),
  then `GET /fsma204/records` in each format by the buyer, the body read and dropped as it comes.

Memory is the worker process's peak resident set (VmHWM, /proc), read before and after each
measurement: what the server held at its worst, including the export's. Not part of the tests.
"""

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from api.domain.batches import BatchStatus, NewBatch, Origin, Unit
from api.domain.custody import EventType
from api.domain.events import EventData, link
from api.infrastructure.db.batches import COLUMNS, batch_values
from api.infrastructure.security.keys import write_private_key
from tests.bench.run import API_ROLE, PASSWORD, free_port, fresh_database, process, sh, wait_ready

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / ".data" / "bench-records"
EVENT_COLUMNS = (
    "batch_id", "seq", "type", "at", "actor_role", "data", "prev_hash", "hash", "salt",
    "actor_id", "organisation_id",
)  # fmt: skip


def services() -> dict[str, str]:
    sh(str(ROOT / "scripts/dev-services.sh"), "stop", str(DATA))
    ports = str(free_port()), str(free_port())
    sh(str(ROOT / "scripts/dev-services.sh"), "start", str(DATA), *ports)
    exports = sh(str(ROOT / "scripts/dev-services.sh"), "env", str(DATA), *ports)
    env = dict(re.findall(r"export (\w+)=(\S+)", exports))
    return {k: v.strip("'\"") for k, v in env.items()}


def peak_rss_mib(pid: int) -> float:
    """VmHWM of the process: its peak resident set since it started."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else 0.0


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of the process so far (/proc/PID/stat, clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_pid(group: int) -> int:
    """The server's worker: of the processes in its process group, the one holding the most
    memory once it serves (the supervisor and Sanic's main process hold less)."""
    sizes = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == group:
                    status = (entry / "status").read_text()
                    rss = re.search(r"VmRSS:\s+(\d+) kB", status)
                    sizes[int(entry.name)] = int(rss.group(1)) if rss else 0
            except (ProcessLookupError, FileNotFoundError, PermissionError):
                continue
    if not sizes:
        raise SystemExit("no server process found")
    return max(sizes, key=lambda pid: sizes[pid])


class Api:
    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base + "/api/v1", timeout=300)

    def person(self, role: str) -> tuple[str, dict[str, str]]:
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        body = {"email": email, "password": PASSWORD, "full_name": f"Bench {role}", "role": role}
        self.http.post("/auth/register", json=body).raise_for_status()
        login = self.http.post("/auth/login", json={"email": email, "password": PASSWORD})
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        me = self.http.get("/auth/me", headers=auth).json()
        return me["id"], auth

    def site(self, org: str, auth: dict[str, str], kind: str) -> str:
        body = {
            "name": f"{kind} 1", "kind": kind, "street": "Km 12", "city": "Uruapan",
            "region": "Michoacan", "postal_code": "60000", "country": "MX", "phone": "+52 1",
        }  # fmt: skip
        made = self.http.post(f"/organisations/{org}/locations", json=body, headers=auth)
        made.raise_for_status()
        return str(made.json()["id"])

    def post(self, path: str, body: dict[str, Any], auth: dict[str, str]) -> Any:
        answer = self.http.post(path, json=body, headers=auth)
        answer.raise_for_status()
        return answer.json()

    def ship(self, batch: str, sender: dict[str, str], to: str, receiver: dict[str, str]) -> None:
        self.post(f"/batches/{batch}/status", {"status": "in_transit", "recipient": to}, sender)
        self.post(f"/batches/{batch}/status", {"status": "delivered"}, receiver)


def epcis_lot(api: Api) -> tuple[str, dict[str, str]]:
    """A lot split three levels deep, every part shipped and received; the root's id and the
    header of a buyer who sees every part."""
    _, grower = api.person("producer")
    a_id, a = api.person("buyer")
    b_id, b = api.person("buyer")
    body: dict[str, Any] = {
        "product": "romaine", "origin": {"farm": "La Loma", "country": "MX"},
        "harvest_date": "2031-05-01", "quantity": "8100", "unit": "kg",
    }  # fmt: skip
    root = api.post("/batches", body, grower)["id"]
    api.ship(root, grower, a_id, a)
    level = [(root, Decimal(8100), a)]
    holders = {id(a): (b_id, b), id(b): (a_id, a)}
    for parts in (3, 3, 9):
        nxt = []
        for batch, quantity, holder in level:
            share = quantity / parts
            split: dict[str, Any] = {"parts": [{"quantity": f"{share:.3f}"} for _ in range(parts)]}
            for child in api.post(f"/batches/{batch}/split", split, holder)["children"]:
                to_id, to = holders[id(holder)]
                api.ship(child["id"], holder, to_id, to)
                nxt.append((child["id"], share, to))
        level = nxt
    return root, a


def epcis_bench(api: Api, worker: int, runs: int) -> dict[str, Any]:
    root, buyer = epcis_lot(api)
    url = f"/batches/{root}/epcis"
    before = peak_rss_mib(worker)
    seconds, events, size = [], 0, 0
    for _ in range(runs):
        started = time.perf_counter()
        answer = api.http.get(url, params={"lineage": "true"}, headers=buyer)
        seconds.append(time.perf_counter() - started)
        answer.raise_for_status()
        events, size = len(answer.json()["epcisBody"]["eventList"]), len(answer.content)
    return {
        "events": events, "bytes": size, "runs": runs,
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "min_ms": round(min(seconds) * 1000, 1), "max_ms": round(max(seconds) * 1000, 1),
        "peak_rss_before_mib": round(before, 1),
        "peak_rss_after_mib": round(peak_rss_mib(worker), 1),
    }  # fmt: skip


async def seed_records(
    database_url: str, owner: str, buyer: str, farm: str, warehouse: str, lots: int
) -> None:
    """`lots` lots registered at the farm, shipped to the warehouse, received: COPY'd in."""
    start = datetime(2031, 1, 1, tzinfo=UTC)
    origin = Origin("La Loma", "MX", "Michoacan")
    batches, events = [], []
    for n in range(lots):
        at = start + timedelta(seconds=n)
        new = NewBatch(
            "romaine", origin, date(2030, 12, 31), Decimal("900"), Unit.KG, variety="green",
            origin_location_id=uuid.UUID(farm),
        )  # fmt: skip
        batch = new.register(uuid.UUID(owner), f"BENCH-{n:08d}", at)
        shipped: EventData = {
            "recipient_id": buyer, "ship_from_location_id": farm, "ship_to_location_id": warehouse,
            "reference_document": {"type": "bill_of_lading", "number": f"BOL-{n}"},
        }  # fmt: skip
        head = None
        steps: list[tuple[str, EventData]] = [
            (EventType.CREATED, {}), (EventType.SHIPPED, shipped), (EventType.DELIVERED, {}),
        ]  # fmt: skip
        for step, (kind, data) in enumerate(steps):
            head = link(batch.id, head, kind, at + timedelta(hours=step), "producer", data)
            events.append((
                head.batch_id, head.seq, head.type, head.at, head.actor_role, json.dumps(data),
                head.prev_hash, head.hash, head.salt.hex(), None, uuid.UUID(owner),
            ))  # fmt: skip
        delivered = batch.__class__(
            **{**batch.__dict__, "status": BatchStatus.DELIVERED, "recipient_id": uuid.UUID(buyer),
               "ship_from_location_id": uuid.UUID(farm),
               "ship_to_location_id": uuid.UUID(warehouse)}
        )  # fmt: skip
        batches.append(tuple(batch_values(delivered)))
    connection = await asyncpg.connect(database_url)
    try:
        await connection.copy_records_to_table("batches", records=batches, columns=COLUMNS)
        await connection.copy_records_to_table(
            "batch_events", records=events, columns=EVENT_COLUMNS
        )
        await connection.execute("ANALYZE batches; ANALYZE batch_events")
    finally:
        await connection.close()


def export(api: Api, worker: int, auth: dict[str, str], name: str) -> dict[str, Any]:
    before, cpu = peak_rss_mib(worker), cpu_seconds(worker)
    started = time.perf_counter()
    size, first = 0, None
    with api.http.stream("GET", "/fsma204/records", params={"format": name}, headers=auth) as r:
        r.raise_for_status()
        for chunk in r.iter_bytes():
            first = first or time.perf_counter() - started
            size += len(chunk)
    seconds = time.perf_counter() - started
    print(name, round(seconds, 2), "s", file=sys.stderr)
    return {
        "format": name, "bytes": size, "seconds": seconds,
        "first_byte_seconds": first or seconds, "cpu_seconds": cpu_seconds(worker) - cpu,
        "peak_rss_before_mib": before, "peak_rss_after_mib": peak_rss_mib(worker),
    }  # fmt: skip


def records_bench(
    api: Api, worker: int, auth: dict[str, str], formats: list[str], repeat: int
) -> list[dict[str, Any]]:
    """Each format `repeat` times, interleaved; the medians, and the highest peak."""
    runs = [export(api, worker, auth, name) for _ in range(repeat) for name in formats]
    out = []
    for name in formats:
        mine = [run for run in runs if run["format"] == name]
        out.append({
            "format": name, "bytes": mine[0]["bytes"], "runs": len(mine),
            **{key: round(statistics.median(run[key] for run in mine), 2)
               for key in ("seconds", "first_byte_seconds", "cpu_seconds")},
            "seconds_each": [round(run["seconds"], 2) for run in mine],
            "peak_rss_before_mib": round(min(run["peak_rss_before_mib"] for run in mine), 1),
            "peak_rss_after_mib": round(max(run["peak_rss_after_mib"] for run in mine), 1),
        })  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7, help="EPCIS requests timed")
    parser.add_argument("--formats", default="csv,xlsx,json")
    parser.add_argument("--repeat", type=int, default=2, help="exports of each format")
    parser.add_argument(
        "--response-timeout", type=int, default=300, help="the server's, in seconds (20 deployed)"
    )
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    load_before = [round(x, 2) for x in os.getloadavg()]
    env = services()
    try:
        result = measure(args, env)
    finally:
        sh(str(ROOT / "scripts/dev-services.sh"), "stop", str(DATA))
    print(json.dumps({"load_average_before": load_before, **result}, indent=2))


def measure(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    database_url = asyncio.run(fresh_database(env["DATABASE_URL"]))
    key = DATA / "keys" / "jwt-signing.pem"
    if not key.exists():
        write_private_key(key)
    common = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": env["REDIS_URL"]}
    sh(
        sys.executable,
        "-m",
        "api",
        "migrate",
        env=common | {"AGROBRIDGE_DB_RUNTIME_ROLE": API_ROLE},
    )
    port = free_port()
    database = database_url.rsplit("/", 1)[1]
    api_env = common | {
        "DATABASE_URL": env["API_DATABASE_URL"].rsplit("/", 1)[0] + "/" + database,
        "AGROBRIDGE_ENV": "staging",
        "AGROBRIDGE_JWT_PRIVATE_KEY_FILE": str(key),
        "AGROBRIDGE_PORT": str(port),
        "AGROBRIDGE_WORKERS": "1",
        "AGROBRIDGE_LOG_DIR": str(DATA / "logs"),
        "AGROBRIDGE_LOG_STDOUT": "false",
        "AGROBRIDGE_ACCESS_TOKEN_TTL_SECONDS": "3600",
        # An xlsx is finished before its first byte: it must be within the response timeout.
        "AGROBRIDGE_RESPONSE_TIMEOUT_SECONDS": str(args.response_timeout),
        "AGROBRIDGE_RATE_LIMIT_USER_PER_MINUTE": "100000000",
        "AGROBRIDGE_RATE_LIMIT_AUTH_PER_MINUTE": "100000000",
        "AGROBRIDGE_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "100000000",
    }  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with ExitStack() as stack:
        main_pid = stack.enter_context(
            process([sys.executable, "-m", "api", "serve"], api_env, DATA / "api.log")
        ).pid
        wait_ready(base + "/api/v1/health")
        worker = worker_pid(main_pid)
        api = Api(base)
        epcis = epcis_bench(api, worker, args.runs)
        grower_id, grower = api.person("producer")
        buyer_id, buyer = api.person("buyer")
        farm = api.site(grower_id, grower, "farm")
        warehouse = api.site(buyer_id, buyer, "warehouse")
        lots = -(-args.rows // 3)
        asyncio.run(seed_records(database_url, grower_id, buyer_id, farm, warehouse, lots))
        records = records_bench(api, worker, buyer, args.formats.split(","), args.repeat)
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "response_timeout_seconds": args.response_timeout,
        "epcis": epcis,
        "fsma_rows": lots * 3,
        "fsma": records,
    }


if __name__ == "__main__":
    main()
