"""Alertmanager's configuration is valid, routes by severity and mutes shadowed warnings."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.monitoring.support import ALERTMANAGER_CONFIG, daemon, eventually, run_tool, tool
from tests.support.server import free_port


def test_amtool_accepts_the_configuration():
    result = run_tool("amtool", "check-config", str(ALERTMANAGER_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize(
    ("severity", "receiver"), [("critical", "oncall-critical"), ("warning", "oncall-warning")]
)
def test_alerts_are_routed_by_severity(severity, receiver):
    result = run_tool(
        "amtool",
        "config",
        "routes",
        "test",
        f"--config.file={ALERTMANAGER_CONFIG}",
        "alertname=ApiDown",
        f"severity={severity}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == [receiver]


def test_the_commented_email_receiver_is_valid_once_uncommented(tmp_path: Path):
    text = ALERTMANAGER_CONFIG.read_text()
    text = re.sub(r"^  # (smtp_)", r"  \1", text, flags=re.MULTILINE)
    text = re.sub(r"^    # (email_configs:)", r"    \1", text, flags=re.MULTILINE)
    text = re.sub(r"^    #   ", "      ", text, flags=re.MULTILINE)
    assert "email_configs:\n      - to:" in text
    assert "\n  smtp_smarthost:" in text
    config = tmp_path / "alertmanager.yml"
    config.write_text(text)
    result = run_tool("amtool", "check-config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real Alertmanager with the repository's routes and inhibitions, on loopback."""
    workdir = tmp_path_factory.mktemp("alertmanager")
    # Test traffic stays on this host: the webhooks point at a closed loopback port instead.
    text = ALERTMANAGER_CONFIG.read_text()
    assert "https://hooks.example.com/" in text
    config = workdir / "alertmanager.yml"
    config.write_text(text.replace("https://hooks.example.com/", "http://127.0.0.1:9/"))
    url = f"http://127.0.0.1:{free_port()}"
    args = [
        tool("alertmanager"),
        f"--config.file={config}",
        f"--storage.path={workdir / 'data'}",
        f"--web.listen-address={url.removeprefix('http://')}",
        "--cluster.listen-address=",  # alone: no gossip port
    ]
    with daemon(args, workdir / "alertmanager.log", url + "/-/ready"):
        yield url


def test_a_critical_alert_mutes_the_warning_of_the_same_name_and_target(alertmanager: str):
    errors = {
        "alertname": "ApiErrorRateHigh",
        "job": "agrobridge-api",
        "instance": "127.0.0.1:8000",
    }
    disk = {"alertname": "HostDiskFillingUp", "job": "node", "instance": "127.0.0.1:9100"}
    sent = [
        {**errors, "severity": "critical"},
        {**errors, "severity": "warning"},
        # The same warning elsewhere is not muted by it.
        {**errors, "instance": "10.0.0.2:8000", "severity": "warning"},
        # A critical disk alert on /data does not mute the warning about /.
        {**disk, "mountpoint": "/data", "severity": "critical"},
        {**disk, "mountpoint": "/", "severity": "warning"},
    ]
    response = httpx.post(alertmanager + "/api/v2/alerts", json=[{"labels": a} for a in sent])
    assert response.status_code == 200, response.text

    def states() -> dict[tuple[str, ...], str]:
        alerts: list[dict[str, Any]] = httpx.get(alertmanager + "/api/v2/alerts").json()
        return {_key(a["labels"]): a["status"]["state"] for a in alerts}

    expected = {
        _key(sent[0]): "active",
        _key(sent[1]): "suppressed",
        _key(sent[2]): "active",
        _key(sent[3]): "active",
        _key(sent[4]): "active",
    }
    eventually(lambda: states() == expected, f"states {expected}", seconds=10)


def _key(labels: dict[str, str]) -> tuple[str, ...]:
    return tuple(f"{name}={labels[name]}" for name in sorted(labels))
