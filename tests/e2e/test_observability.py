"""Logs, metrics and error reports from the real multi-worker server."""

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.e2e.conftest import PASSWORD, assert_error, server_env
from tests.support.backends import Backends, migrated, throwaway_database
from tests.support.sentry_sink import SentrySink, sentry_sink
from tests.support.server import RunningServer, api_server
from tests.support.waiting import settled_metrics, wait_until

pytestmark = pytest.mark.e2e

SECRET_PASSWORD = "s3cret-" + uuid.uuid4().hex


@dataclass
class Observed:
    server: RunningServer
    logs: Path
    sentry: SentrySink

    def all_output(self) -> str:
        files = "".join(p.read_text() for p in sorted(self.logs.glob("*.log")))
        return files + self.server.log_text()


def break_batches_table(database_url: str) -> None:
    """Make listing batches fail with a genuine bug-like database error (a 500)."""

    async def rename() -> None:
        connection = await asyncpg.connect(database_url)
        try:
            await connection.execute("ALTER TABLE batches RENAME COLUMN variety TO variety_gone")
        finally:
            await connection.close()

    asyncio.run(rename())


@pytest.fixture(scope="module")
def observed(
    backends: Backends, signing_key: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Observed]:
    """A server with file logs and Sentry on, over a database of its own that has a defect."""
    logs = tmp_path_factory.mktemp("logs")
    with throwaway_database(backends.admin_database_url) as fresh, sentry_sink() as sink:
        database = migrated(fresh)
        break_batches_table(database.owner_url)
        env = server_env(database.api_url, backends.redis_url, signing_key) | {
            "AGROBRIDGE_LOG_DIR": str(logs),
            "AGROBRIDGE_SENTRY_DSN": sink.dsn,
            "AGROBRIDGE_SENTRY_ENVIRONMENT": "e2e",
        }
        log = tmp_path_factory.mktemp("observed") / "api.log"
        with api_server(env, log, workers=2) as server:
            yield Observed(server, logs, sink)


def session(observed: Observed) -> tuple[str, dict[str, str]]:
    api = observed.server.url + "/api/v1"
    email = f"obs-{uuid.uuid4().hex[:8]}@example.com"
    httpx.post(
        api + "/auth/register", json={"email": email, "password": SECRET_PASSWORD, "full_name": "O"}
    )
    tokens = httpx.post(
        api + "/auth/login", json={"email": email, "password": SECRET_PASSWORD}
    ).json()
    return tokens["refresh_token"], {"Authorization": f"Bearer {tokens['access_token']}"}


def test_an_unhandled_error_is_a_500_logged_and_reported_without_secrets(
    observed: Observed,
) -> None:
    refresh, auth = session(observed)
    rid = "boom-" + uuid.uuid4().hex[:8]
    response = httpx.get(
        observed.server.url + "/api/v1/batches", headers=auth | {"X-Request-ID": rid}
    )
    error = assert_error(response, 500, "internal_error")
    assert "Traceback" not in response.text
    assert error["request_id"] == rid

    assert wait_until(
        lambda: any(e.get("tags", {}).get("request_id") == rid for e in observed.sentry.events())
    ), f"no Sentry event for {rid}; received: {[raw[:500] for raw in observed.sentry.raw]}"
    event = next(e for e in observed.sentry.events() if e["tags"]["request_id"] == rid)
    assert event["environment"] == "e2e"
    assert event["user"]["id"]
    reported = json.dumps(event)
    assert auth["Authorization"].split()[1] not in reported
    assert refresh not in reported

    exceptions = observed.logs / f"exceptions-{time.strftime('%Y-%m-%d', time.gmtime())}.log"
    assert wait_until(lambda: exceptions.exists() and rid in exceptions.read_text())
    entry = next(json.loads(line) for line in exceptions.read_text().splitlines() if rid in line)
    assert "UndefinedColumn" in entry["exception"]
    assert entry["level"] == "ERROR"


def test_log_lines_are_json_with_request_context_and_no_secret(observed: Observed) -> None:
    refresh, auth = session(observed)
    rid = "trace-" + uuid.uuid4().hex[:8]
    httpx.get(observed.server.url + "/api/v1/auth/me", headers=auth | {"X-Request-ID": rid})
    httpx.post(
        observed.server.url + "/api/v1/auth/refresh",
        json={"refresh_token": refresh},
        headers={"Cookie": "session=" + SECRET_PASSWORD},
    )
    http_log = observed.logs / f"http-{time.strftime('%Y-%m-%d', time.gmtime())}.log"
    assert wait_until(lambda: rid in http_log.read_text())

    line = next(json.loads(x) for x in http_log.read_text().splitlines() if rid in x)
    assert line["route"] == "/api/v1/auth/me"
    assert line["status"] == 200
    assert line["method"] == "GET"
    assert line["user_id"]
    assert line["latency_ms"] >= 0
    assert line["ts"].endswith("Z")
    assert line["worker"].startswith("Sanic-Server-")
    everything = observed.all_output()
    for secret in (SECRET_PASSWORD, refresh, auth["Authorization"].split()[1]):
        assert secret not in everything


def test_metrics_add_up_every_worker_and_stay_private(observed: Observed) -> None:
    url = observed.server.url
    before = scrape_count(settled_metrics(url), "/api/v1/health", "200")
    for _ in range(20):
        httpx.get(url + "/api/v1/health")
    # Each worker writes its tallies once a second: every answer is counted, once.
    assert scrape_count(settled_metrics(url), "/api/v1/health", "200") == before + 20

    text = httpx.get(url + "/metrics").text
    assert "agrobridge_workers 2.0" in text
    assert text.count("agrobridge_process_resident_memory_bytes{") == 2
    assert 'agrobridge_db_query_duration_seconds_count{operation="users.by_email"}' in text
    assert "agrobridge_event_loop_lag_seconds_count" in text
    proxied = httpx.get(url + "/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 404


def scrape_count(metrics: str, route: str, status: str) -> float:
    prefix = f'agrobridge_http_requests_total{{method="GET",route="{route}",status="{status}"}} '
    for line in metrics.splitlines():
        if line.startswith(prefix):
            return float(line[len(prefix) :])
    return 0.0


def test_with_a_metrics_token_scrapers_must_present_it(
    backends: Backends, database_url: str, signing_key: Path, tmp_path: Path
) -> None:
    env = server_env(database_url, backends.redis_url, signing_key) | {
        "AGROBRIDGE_METRICS_TOKEN": "scrape-" + uuid.uuid4().hex
    }
    with api_server(env, tmp_path / "api.log", workers=1) as server:
        assert httpx.get(server.url + "/metrics").status_code == 404
        token = env["AGROBRIDGE_METRICS_TOKEN"]
        scraped = httpx.get(server.url + "/metrics", headers={"Authorization": f"Bearer {token}"})
    assert scraped.status_code == 200
    assert "agrobridge_build_info" in scraped.text


def test_bad_credentials_leave_no_trace_of_the_password(observed: Observed) -> None:
    wrong = "wrong-" + uuid.uuid4().hex
    body = {"email": "nobody@example.com", "password": wrong}
    refused = httpx.post(observed.server.url + "/api/v1/auth/login", json=body)
    assert_error(refused, 401, "unauthorized")
    # Once the request's own log lines are written, the password must not be among them.
    request_id = refused.headers["X-Request-ID"]
    assert wait_until(lambda: request_id in observed.all_output(), seconds=10)
    assert wrong not in observed.all_output()
    assert PASSWORD not in observed.all_output()
