"""The Grafana dashboard is well formed and draws only what Prometheus will have."""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.monitoring.support import (
    API_METRICS,
    DASHBOARDS_DIR,
    GRAFANA,
    dump_yaml,
    load_yaml,
    metric_names,
    recorded_names,
    rules,
    run_tool,
)

DASHBOARD = DASHBOARDS_DIR / "agrobridge-api.json"

# What the design asks the dashboard to show, by the series that show it.
REQUIRED = {
    "requests per second": "job:agrobridge_http_requests:rate5m",
    "latency P50": "job:agrobridge_http_request_duration_seconds:p50_rate5m",
    "latency P95": "job:agrobridge_http_request_duration_seconds:p95_rate5m",
    "latency P99": "job:agrobridge_http_request_duration_seconds:p99_rate5m",
    "error rate": "job:agrobridge_http_requests_5xx:ratio_rate5m",
    "database time": "job:agrobridge_db_query_duration_seconds:p95_rate5m",
    "CPU per worker": "job_pid:agrobridge_process_cpu_seconds:rate5m",
    "memory per worker": "agrobridge_process_resident_memory_bytes",
    "host CPU": "instance:node_cpu_utilisation:rate5m",
    "host memory": "instance:node_memory_utilisation:ratio",
    "live workers": "agrobridge_workers",
}


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def graphs() -> list[dict[str, Any]]:
    return [panel for panel in dashboard()["panels"] if panel["type"] != "row"]


def exprs() -> list[str]:
    return [target["expr"] for panel in graphs() for target in panel["targets"]]


def test_the_dashboard_has_an_identity_and_unique_panel_ids():
    board = dashboard()
    assert board["uid"] == "agrobridge-api"
    assert board["title"]
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))


def test_panels_fit_the_24_column_grid_without_overlapping():
    cells: set[tuple[int, int]] = set()
    for panel in dashboard()["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] >= 0
        assert grid["w"] > 0
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        mine = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & mine, f"{panel['title']} overlaps another panel"
        cells |= mine


def test_every_panel_queries_the_provisioned_prometheus():
    (datasource,) = load_yaml(GRAFANA / "provisioning" / "datasources" / "prometheus.yml")[
        "datasources"
    ]
    assert datasource["type"] == "prometheus"
    for panel in graphs():
        assert panel["datasource"] == {"type": "prometheus", "uid": datasource["uid"]}
        assert panel["targets"], f"{panel['title']} has no query"
        ref_ids = [target["refId"] for target in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids)), panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == datasource["uid"]
            assert target["expr"].strip()


def test_the_dashboard_provider_loads_dashboards_from_files():
    (provider,) = load_yaml(GRAFANA / "provisioning" / "dashboards" / "agrobridge.yml")["providers"]
    assert provider["type"] == "file"
    assert Path(provider["options"]["path"]).is_absolute()


def test_panels_read_only_recording_rules_and_metrics_that_exist():
    known = (
        recorded_names() | API_METRICS | {n for rule in rules() for n in metric_names(rule["expr"])}
    )
    unknown = {name for expr in exprs() for name in metric_names(expr)} - known
    assert not unknown, f"the dashboard reads series nothing records or exports: {unknown}"


@pytest.mark.parametrize(("what", "series"), REQUIRED.items())
def test_the_dashboard_shows_what_the_design_asks_for(what, series):
    assert any(series in metric_names(expr) for expr in exprs()), f"no panel shows {what}"


def test_every_panel_query_is_valid_promql(tmp_path: Path):
    # promtool has no "check this expression", but checks rule files: wrap each query in one.
    queries = [expr.replace("$__rate_interval", "1m") for expr in exprs()]
    group = {
        "name": "dashboard",
        "rules": [{"record": f"dashboard:query_{i}", "expr": q} for i, q in enumerate(queries)],
    }
    path = tmp_path / "dashboard_queries.yml"
    path.write_text(dump_yaml({"groups": [group]}))
    result = run_tool("promtool", "check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
