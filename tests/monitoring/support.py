"""Where the monitoring files are, the tools that check them, and PromQL names."""

import functools
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML (from sanic-ext) ships no stubs

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "monitoring"
PROMETHEUS_CONFIG = MONITORING / "prometheus" / "prometheus.yml"
RULES_DIR = MONITORING / "prometheus" / "rules"
RULE_TESTS_DIR = MONITORING / "prometheus" / "tests"
ALERTMANAGER_CONFIG = MONITORING / "alertmanager" / "alertmanager.yml"
BLACKBOX_CONFIG = MONITORING / "blackbox" / "blackbox.yml"
GRAFANA = MONITORING / "grafana"
DASHBOARDS_DIR = GRAFANA / "dashboards"
RUNBOOK = ROOT / "docs" / "runbook.md"

# Metrics the API serves at /metrics (the contract with api/), as Prometheus stores them.
API_METRICS = frozenset(
    {
        "agrobridge_http_requests_total",
        *(
            f"{histogram}_{suffix}"
            for histogram in (
                "agrobridge_http_request_duration_seconds",
                "agrobridge_db_query_duration_seconds",
                "agrobridge_redis_command_duration_seconds",
                "agrobridge_event_loop_lag_seconds",
            )
            for suffix in ("bucket", "count", "sum")
        ),
        "agrobridge_http_requests_in_flight",
        "agrobridge_process_resident_memory_bytes",
        "agrobridge_process_cpu_seconds_total",
        "agrobridge_workers",
        "agrobridge_build_info",
    }
)

# Each tool: the Debian package that provides it (what CI installs), and the names its binary
# has there and upstream (nixpkgs, release tarballs).
TOOLS = {
    "promtool": ("prometheus", ("promtool",)),
    "prometheus": ("prometheus", ("prometheus",)),
    "amtool": ("prometheus-alertmanager", ("amtool",)),
    "alertmanager": ("prometheus-alertmanager", ("prometheus-alertmanager", "alertmanager")),
    "blackbox_exporter": (
        "prometheus-blackbox-exporter",
        ("prometheus-blackbox-exporter", "blackbox_exporter"),
    ),
}
WAIT_SECONDS = 30


def tool(name: str) -> str:
    """The path of a monitoring tool; a missing one fails the test, saying what to install."""
    package, binaries = TOOLS[name]
    for binary in binaries:
        if path := shutil.which(binary):
            return path
    pytest.fail(
        f"`{binaries[0]}` is not installed: apt-get install {package} "
        "(the monitoring tests check the real files with the real tools)",
        pytrace=False,
    )


def run_tool(name: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool(name), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def eventually(check: Callable[[], bool], what: str, seconds: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    pytest.fail(f"not within {seconds:.0f} s: {what}")


@contextmanager
def daemon(args: list[str], log: Path, ready_url: str) -> Iterator[None]:
    """A server process, ready once `ready_url` answers 200; stopped on exit."""
    with log.open("wb") as sink:
        process = subprocess.Popen(args, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while not _answers(ready_url):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:]
                pytest.fail(f"{Path(args[0]).name} did not start:\n{tail}", pytrace=False)
            time.sleep(0.2)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@functools.cache
def load_yaml(path: Path) -> Any:
    """A YAML file, parsed once per test session (callers must not change it)."""
    return yaml.safe_load(path.read_text())


def dump_yaml(data: Any) -> str:
    text: str = yaml.safe_dump(data, sort_keys=False)
    return text


def rule_files() -> list[Path]:
    return sorted(RULES_DIR.glob("*.yml"))


def rules() -> list[dict[str, Any]]:
    """Every rule of every group in monitoring/prometheus/rules/."""
    return [
        rule
        for path in rule_files()
        for group in load_yaml(path)["groups"]
        for rule in group["rules"]
    ]


def alert_rules() -> list[dict[str, Any]]:
    return [rule for rule in rules() if "alert" in rule]


def recorded_names() -> set[str]:
    return {rule["record"] for rule in rules() if "record" in rule}


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`' + r"|'(?:[^'\\]|\\.)*'")
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_FUNCTION = re.compile(r"\b[a-zA-Z_]\w*\s*\(")
_KEYWORDS = frozenset({"and", "or", "unless", "offset", "bool", "inf", "nan"})


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (good enough for our own expressions)."""
    text = _STRINGS.sub(" ", expr)
    text = _MATCHERS.sub(" ", text)
    text = _RANGES.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    text = _FUNCTION.sub(" ", text)
    names = re.findall(r"(?<![\w.])[a-zA-Z_:][\w:]*", text)
    return {name for name in names if name.lower() not in _KEYWORDS}
