"""What the workers tally between flushes reaches the multiprocess files exactly as if every
request had been observed there one at a time."""

import re
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest, multiprocess, values

from api.infrastructure import metrics as metrics_module
from api.infrastructure.metrics import LATENCY_BUCKETS, Metrics


@pytest.fixture
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Multiprocess mode, as `python -m api serve` sets it up for its workers.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    # prometheus-client picks its value class when imported; pick the multiprocess one again.
    monkeypatch.setattr(values, "ValueClass", values.MultiProcessValue())  # type: ignore[no-untyped-call]
    monkeypatch.setattr(metrics_module, "_metrics", None)
    return tmp_path


def scrape(directory: Path) -> str:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    return generate_latest(registry).decode()


def sample(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if not line.startswith((name + "{", name + " ")):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.rsplit(" ", 1)[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {name} {labels} in:\n{text}")


TIMES = [0.0001, 0.005, 0.007, 0.2, 0.25, 3.0, 42.0]  # two on bounds, one past them all


def test_requests_reach_the_shared_files_when_flushed_with_the_same_buckets_and_sum(shared: Path):
    tallied = Metrics()
    for seconds in TIMES:
        tallied.request_started()
        tallied.answered("GET", "/api/v1/health", 200, seconds)
    tallied.request_started()  # one still being answered
    assert sample(scrape(shared), "agrobridge_http_requests_total", status="200") == 0

    tallied.flush()
    text = scrape(shared)
    # Cumulative buckets, a value on a bound counted in it: what Histogram.observe makes.
    for bound in [*LATENCY_BUCKETS, float("inf")]:
        le = "+Inf" if bound == float("inf") else str(bound)
        got = sample(
            text, "agrobridge_http_request_duration_seconds_bucket", route="/api/v1/health", le=le
        )
        assert got == sum(1 for t in TIMES if t <= bound), le
    total = sample(text, "agrobridge_http_request_duration_seconds_sum", route="/api/v1/health")
    assert total == pytest.approx(sum(TIMES))
    assert sample(text, "agrobridge_http_requests_total", status="200") == len(TIMES)
    assert sample(text, "agrobridge_http_requests_in_flight") == 1


def test_each_flush_adds_only_what_came_since_the_last(shared: Path):
    tallied = Metrics()
    tallied.answered("POST", "/api/v1/batches", 201, 0.02, in_flight=False)
    tallied.flush()
    tallied.flush()
    tallied.answered("POST", "/api/v1/batches", 201, 0.03, in_flight=False)
    tallied.timed("db", "batches.add", 0.004)
    tallied.flush()
    text = scrape(shared)
    assert sample(text, "agrobridge_http_requests_total", route="/api/v1/batches") == 2
    assert sample(text, "agrobridge_db_query_duration_seconds_count", operation="batches.add") == 1
    assert (
        sample(
            text,
            "agrobridge_db_query_duration_seconds_bucket",
            operation="batches.add",
            le="0.0025",
        )
        == 0
    )
    assert (
        sample(
            text, "agrobridge_db_query_duration_seconds_bucket", operation="batches.add", le="0.005"
        )
        == 1
    )
