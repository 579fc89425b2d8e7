"""A real Prometheus, with the production scrape job and rules, watches a real multi-worker API.

The API is `python -m api serve` with two workers (as in tests/e2e), reaching Redis through a
link the test can cut; Prometheus scrapes its /metrics every second from loopback, evaluates
monitoring/prometheus/rules/*.yml every second, and answers on its HTTP API.
"""

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from prometheus_client import generate_latest

from api.infrastructure.webhooks.metrics import WebhookMetrics
from tests.e2e.conftest import PASSWORD, server_env
from tests.monitoring.support import (
    API_METRICS,
    DASHBOARDS_DIR,
    PROMETHEUS_CONFIG,
    RULES_DIR,
    daemon,
    dump_yaml,
    eventually,
    load_yaml,
    metric_names,
    rules,
    tool,
)
from tests.support.backends import Backends
from tests.support.proxy import Proxy, proxied
from tests.support.server import RunningServer, api_server, free_port

# Served by the webhook worker (`python -m api webhooks`, job agrobridge-webhooks), not the API.
WEBHOOK_METRICS = "agrobridge_webhook_"

pytestmark = pytest.mark.e2e

HEALTH = "/api/v1/health"
READY = "/api/v1/health/ready"
BATCH = "/api/v1/batches/<batch_id:str>"


@dataclass(frozen=True)
class Stack:
    api: RunningServer
    redis: Proxy
    prometheus: str

    def query(self, promql: str) -> list[dict[str, Any]]:
        response = httpx.get(self.prometheus + "/api/v1/query", params={"query": promql})
        assert response.status_code == 200, response.text
        result: list[dict[str, Any]] = response.json()["data"]["result"]
        return result

    def value(self, promql: str) -> float:
        """The value of a query that yields one series; 0 when it yields none yet."""
        result = self.query(promql)
        assert len(result) <= 1, result
        return float(result[0]["value"][1]) if result else 0.0

    def reaches(self, promql: str, at_least: float) -> Callable[[], bool]:
        return lambda: self.value(promql) >= at_least

    def exceeds(self, promql: str, threshold: float) -> Callable[[], bool]:
        return lambda: self.value(promql) > threshold

    def series(self, promql: str, count: int) -> Callable[[], bool]:
        return lambda: len(self.query(promql)) == count

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, self.api.url + path, timeout=10, **kwargs)


def through(url: str, proxy: Proxy) -> str:
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"127.0.0.1:{proxy.port}"
    return urlunsplit(parts._replace(netloc=f"{credentials}@{netloc}" if credentials else netloc))


def prometheus_config(api: RunningServer) -> dict[str, Any]:
    """The production configuration's API job and rules, aimed at this API, every second."""
    production = load_yaml(PROMETHEUS_CONFIG)
    (job,) = [j for j in production["scrape_configs"] if j["job_name"] == "agrobridge-api"]
    fast = {"scrape_interval": "1s", "scrape_timeout": "1s"}
    return {
        "global": {**production["global"], **fast, "evaluation_interval": "1s"},
        "rule_files": [str(RULES_DIR / "*.yml")],
        "scrape_configs": [
            {
                **job,
                **fast,
                "static_configs": [{"targets": [urlsplit(api.url).netloc]}],
            }
        ],
    }


@contextmanager
def prometheus(config: dict[str, Any], workdir: Path) -> Iterator[str]:
    config_file = workdir / "prometheus.yml"
    config_file.write_text(dump_yaml(config))
    url = f"http://127.0.0.1:{free_port()}"
    args = [
        tool("prometheus"),
        f"--config.file={config_file}",
        f"--storage.tsdb.path={workdir / 'data'}",
        f"--web.listen-address={urlsplit(url).netloc}",
    ]
    with daemon(args, workdir / "prometheus.log", url + "/-/ready"):
        yield url


@pytest.fixture(scope="module")
def stack(
    backends: Backends,
    database_url: str,
    signing_key: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("metrics-pipeline")
    redis = urlsplit(backends.redis_url)
    with proxied(redis.hostname or "127.0.0.1", redis.port or 6379) as redis_link:
        env = server_env(database_url, through(backends.redis_url, redis_link), signing_key)
        # The workers' shared metric files go to the test's folder, not a fresh one in /tmp.
        env["AGROBRIDGE_METRICS_DIR"] = str(workdir / "api-metrics")
        with (
            api_server(env, workdir / "api.log", workers=2) as api,
            prometheus(prometheus_config(api), workdir) as url,
        ):
            running = Stack(api, redis_link, url)
            # Prometheus applies its targets about 5 s after it starts.
            eventually(
                lambda: running.value('up{job="agrobridge-api"}') == 1,
                f"Prometheus scrapes {api.url}/metrics (log: {workdir / 'prometheus.log'})",
            )
            yield running


def counted(route: str, status: str) -> str:
    return f'sum(agrobridge_http_requests_total{{route="{route}", status="{status}"}})'


def test_prometheus_scrapes_the_api_and_sees_every_worker(stack: Stack):
    eventually(stack.reaches("agrobridge_workers", 2), "agrobridge_workers is 2")
    assert stack.value("agrobridge_workers") == 2
    eventually(
        stack.series("agrobridge_process_resident_memory_bytes", 2), "memory of two worker pids"
    )
    pids = {s["metric"]["pid"] for s in stack.query("agrobridge_process_cpu_seconds_total")}
    assert len(pids) == 2
    (build,) = stack.query("agrobridge_build_info")
    assert build["metric"]["version"]
    assert build["value"][1] == "1"


def test_requests_move_the_counter_and_the_latency_histogram_by_route_and_status(stack: Stack):
    answered = counted(HEALTH, "200")
    timed = f'sum(agrobridge_http_request_duration_seconds_count{{route="{HEALTH}"}})'
    in_inf = f'sum(agrobridge_http_request_duration_seconds_bucket{{route="{HEALTH}", le="+Inf"}})'
    in_10s = f'sum(agrobridge_http_request_duration_seconds_bucket{{route="{HEALTH}", le="10.0"}})'
    refused = counted(BATCH, "401")
    before = {promql: stack.value(promql) for promql in (answered, timed, in_inf, refused)}

    for _ in range(20):
        assert stack.call("GET", HEALTH).status_code == 200
    for _ in range(5):
        assert stack.call("GET", f"/api/v1/batches/{uuid.uuid4()}").status_code == 401

    for promql in (answered, timed, in_inf):
        eventually(stack.reaches(promql, before[promql] + 20), f"{promql} grows by 20")
    eventually(stack.reaches(refused, before[refused] + 5), f"{refused} grows by 5")
    assert stack.value(in_10s) == stack.value(in_inf), "a health check took over 10 s"


def test_a_backend_outage_shows_as_5xx_in_the_counter_and_the_error_ratio(stack: Stack):
    failed = counted(READY, "503")
    stack.redis.cut()
    try:
        # rate() counts from a series' second sample: let Prometheus see the 503 series
        # before failing more requests, as a lasting outage would.
        assert stack.call("GET", READY).status_code == 503
        eventually(stack.reaches(failed, 1), f"{failed} appears")
        for _ in range(3):
            assert stack.call("GET", READY).status_code == 503
    finally:
        stack.redis.restore()
    eventually(stack.reaches(failed, 4), f"{failed} reaches 4")
    ratio = "job:agrobridge_http_requests_5xx:ratio_rate5m"
    eventually(stack.exceeds(ratio, 0), f"{ratio} rises above 0")
    eventually(lambda: stack.call("GET", READY).status_code == 200, "Redis is back")


def _exercise_database_and_redis(stack: Stack) -> None:
    email = f"metrics-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD, "full_name": "Metrics"}
    assert stack.call("POST", "/api/v1/auth/register", json=body).status_code == 201
    login = stack.call("POST", "/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    token = login.json()["access_token"]
    batches = stack.call("GET", "/api/v1/batches", headers={"Authorization": f"Bearer {token}"})
    assert batches.status_code == 200


def test_the_recording_rules_compute_from_the_real_metrics(stack: Stack):
    _exercise_database_and_redis(stack)
    for _ in range(10):
        stack.call("GET", HEALTH)
    for name in (
        "job:agrobridge_http_requests:rate5m",
        f'job_route:agrobridge_http_requests:rate5m{{route="{HEALTH}"}}',
        "job:agrobridge_http_request_duration_seconds:p50_rate5m",
        "job:agrobridge_http_request_duration_seconds:p95_rate5m",
        "job:agrobridge_http_request_duration_seconds:p99_rate5m",
        "job:agrobridge_db_query_duration_seconds:p95_rate5m",
    ):
        eventually(stack.exceeds(name, 0), f"{name} > 0")
    redis_p95 = "job_operation:agrobridge_redis_command_duration_seconds:p95_rate5m"
    eventually(lambda: bool(stack.query(redis_p95)), f"{redis_p95} has a value")
    worker_cpu = "job_pid:agrobridge_process_cpu_seconds:rate5m"
    eventually(stack.series(worker_cpu, 2), f"{worker_cpu} for both workers")
    # The API runs as many workers as the rules expect, so ApiWorkersMissing stays quiet.
    assert stack.value("agrobridge_workers") == stack.value("job:agrobridge_workers:expected")


def test_the_api_serves_every_metric_of_the_contract_and_of_the_rules(stack: Stack):
    _exercise_database_and_redis(stack)
    read = {name for rule in rules() for name in metric_names(rule["expr"])}
    for board in DASHBOARDS_DIR.glob("*.json"):
        for panel in json.loads(board.read_text())["panels"]:
            read |= {n for t in panel.get("targets", []) for n in metric_names(t["expr"])}
    # The backup jobs, not the API, report backup and WAL archive times (through node_exporter);
    # the webhook worker serves its own (below).
    others = ("agrobridge_backup_", "agrobridge_wal_", WEBHOOK_METRICS)
    read = {name for name in read if not name.startswith(others)}
    wanted = API_METRICS | {name for name in read if name.startswith("agrobridge_")}

    def missing() -> set[str]:
        served = stack.query('group by (__name__) ({job="agrobridge-api"})')
        return set(wanted) - {s["metric"]["__name__"] for s in served}

    eventually(lambda: not missing(), "every metric is scraped")
    assert not missing()


def test_the_webhook_worker_serves_every_metric_the_rules_read_of_it() -> None:
    read = {
        name
        for rule in rules()
        for name in metric_names(rule["expr"])
        if name.startswith(WEBHOOK_METRICS)
    }
    metrics = WebhookMetrics()
    metrics.queue({"pending": 0, "due": 0, "oldest_seconds": 0, "disabled": 0})
    exposed = generate_latest(metrics.registry).decode()
    served = {line.split("{")[0].split(" ")[0] for line in exposed.splitlines() if line[:1] != "#"}

    assert read  # the alerts read the worker's metrics
    assert read <= served, read - served


def test_every_rule_evaluates_without_error_on_the_real_metrics(stack: Stack):
    def groups() -> list[dict[str, Any]]:
        response = httpx.get(stack.prometheus + "/api/v1/rules")
        found: list[dict[str, Any]] = response.json()["data"]["groups"]
        return found

    def evaluated() -> bool:
        return all(rule["health"] != "unknown" for g in groups() for rule in g["rules"])

    eventually(evaluated, "every rule evaluated once")
    loaded = groups()
    assert {g["file"] for g in loaded} == {str(path) for path in RULES_DIR.glob("*.yml")}
    failing = {
        rule["name"]: rule.get("lastError")
        for group in loaded
        for rule in group["rules"]
        if rule["health"] != "ok"
    }
    assert not failing
