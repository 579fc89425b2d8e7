"""The monitoring role's prometheus.yml.j2 and node_exporter settings, rendered by the real
Ansible from an inventory: one API target per app host and one node_exporter target per host,
each labelled with the host's inventory name. On one host everything stays on loopback, as
before; split over hosts, Prometheus scrapes their private addresses, the API with the token.

Ansible runs locally (no host is reached) and only renders templates into a test folder."""

import os
import re
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.monitoring.support import (
    MONITORING,
    PROMETHEUS_CONFIG,
    ROOT,
    RULES_DIR,
    dump_yaml,
    load_yaml,
    run_tool,
)

ROLE = ROOT / "ansible" / "roles" / "monitoring"
ANSIBLE_PLAYBOOK = ROOT / ".venv" / "bin" / "ansible-playbook"
TOKEN_FILE = "/etc/prometheus/agrobridge-metrics-token"
DOMAIN = "api.agrobridge.test"

# The one host of today, in every group, its live release on the green slot (its local fact).
SINGLE_HOST = {
    "vars": {"agrobridge_split": False},
    "groups": {
        group: {"production-1": {"ansible_local": {"agrobridge": {"active_port": 8002}}}}
        for group in ("balancer", "app", "database", "monitoring")
    },
}
# One balancer (also the monitoring host), two app hosts, one database host.
SPLIT = {
    "vars": {"agrobridge_split": True, "agrobridge_backend_port": 8081},
    "groups": {
        "balancer": {"lb-1": {"agrobridge_private_address": "10.0.1.10"}},
        "app": {
            "app-1": {"agrobridge_private_address": "10.0.1.11"},
            "app-2": {"agrobridge_private_address": "10.0.1.12"},
        },
        "database": {"db-1": {"agrobridge_private_address": "10.0.1.20"}},
        "monitoring": {"lb-1": {}},
    },
}


@dataclass(frozen=True)
class Rendered:
    folder: Path

    @property
    def config_file(self) -> Path:
        return self.folder / "prometheus.yml"

    def job(self, name: str) -> dict[str, Any]:
        config = load_yaml(self.config_file)
        (job,) = [j for j in config["scrape_configs"] if j["job_name"] == name]
        return dict(job)

    def node_exporter_listens_on(self, host: str) -> str:
        text = (self.folder / f"{host}.prometheus-node-exporter").read_text()
        found = re.search(r"--web\.listen-address=(\S+)", text)
        assert found, text
        return found.group(1)


def inventory(deployment: dict[str, Any]) -> dict[str, Any]:
    """A YAML inventory: the role's defaults as the lowest-precedence variables (as role defaults
    are), the deployment's hosts in the agrobridge child groups, and every host local."""
    hosts: dict[str, Any] = {}
    for members in deployment["groups"].values():
        for name, variables in members.items():
            hosts.setdefault(name, {}).update(variables)
    return {
        "all": {
            "vars": load_yaml(ROLE / "defaults" / "main.yml"),
            "children": {
                "agrobridge": {
                    "vars": {
                        **deployment["vars"],
                        "ansible_connection": "local",
                        "ansible_python_interpreter": sys.executable,
                        "monitoring_source_dir": str(MONITORING),
                        "monitoring_domain": DOMAIN,
                        "monitoring_environment": "staging",
                    },
                    "hosts": hosts,
                    "children": {
                        group: {"hosts": {name: None for name in members}}
                        for group, members in deployment["groups"].items()
                    },
                }
            },
        }
    }


def playbook(folder: Path) -> list[dict[str, Any]]:
    return [
        {
            "name": "node_exporter's settings on every host",
            "hosts": "agrobridge",
            "gather_facts": False,
            "tasks": [
                {
                    "ansible.builtin.template": {
                        "src": str(ROLE / "templates" / "default-prometheus-node-exporter.j2"),
                        "dest": f"{folder}/{{{{ inventory_hostname }}}}.prometheus-node-exporter",
                        "mode": "0644",
                    }
                }
            ],
        },
        {
            "name": "Prometheus's configuration on the monitoring host",
            "hosts": "monitoring",
            "gather_facts": False,
            "tasks": [
                {
                    "ansible.builtin.template": {
                        "src": str(ROLE / "templates" / "prometheus.yml.j2"),
                        "dest": str(folder / "prometheus.yml"),
                        "mode": "0644",
                    }
                }
            ],
        },
    ]


def render(deployment: dict[str, Any], folder: Path) -> Rendered:
    if not ANSIBLE_PLAYBOOK.exists():
        pytest.fail("no .venv/bin/ansible-playbook: run `uv sync --frozen`", pytrace=False)
    (folder / "inventory.yml").write_text(dump_yaml(inventory(deployment)))
    (folder / "render.yml").write_text(dump_yaml(playbook(folder)))
    # Ansible's own defaults only: no setting of the caller's environment or machine applies.
    (folder / "ansible.cfg").write_text("[defaults]\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    done = subprocess.run(
        [str(ANSIBLE_PLAYBOOK), "-i", "inventory.yml", "render.yml"],
        cwd=folder,
        env={
            **env,
            "ANSIBLE_CONFIG": str(folder / "ansible.cfg"),
            "ANSIBLE_HOME": str(folder / "ansible-home"),
            "ANSIBLE_LOCAL_TEMP": str(folder / "tmp"),
            "ANSIBLE_REMOTE_TEMP": str(folder / "tmp"),
            "ANSIBLE_NOCOLOR": "1",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return Rendered(folder)


@pytest.fixture(scope="module")
def single_host(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return render(SINGLE_HOST, tmp_path_factory.mktemp("single-host"))


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return render(SPLIT, tmp_path_factory.mktemp("split"))


def test_one_host_scrapes_the_live_release_and_node_exporter_on_loopback(single_host: Rendered):
    api = single_host.job("agrobridge-api")
    assert api["static_configs"] == [
        {"targets": ["127.0.0.1:8002"], "labels": {"host": "production-1"}}
    ]
    assert "authorization" not in api
    assert single_host.job("node")["static_configs"] == [
        {"targets": ["127.0.0.1:9100"], "labels": {"host": "production-1"}}
    ]
    assert single_host.node_exporter_listens_on("production-1") == "127.0.0.1:9100"


def test_one_host_scrapes_the_webhook_worker_on_loopback(single_host: Rendered):
    assert single_host.job("agrobridge-webhooks")["static_configs"] == [
        {"targets": ["127.0.0.1:9464"], "labels": {"host": "production-1"}}
    ]


def test_agrobridge_release_still_moves_the_api_target_on_one_host(single_host: Rendered):
    # What agrobridge-release does on a switch: every quoted "127.0.0.1:<slot port>".
    text = single_host.config_file.read_text()
    moved = re.sub(r'"127\.0\.0\.1:(?:8001|8002)"', '"127.0.0.1:8001"', text)
    assert moved.count('"127.0.0.1:8001"') == 1
    switched = single_host.folder / "switched.yml"
    switched.write_text(moved)
    (api,) = [j for j in load_yaml(switched)["scrape_configs"] if j["job_name"] == "agrobridge-api"]
    assert api["static_configs"][0]["targets"] == ["127.0.0.1:8001"]


def test_the_rest_is_the_repository_configuration_with_the_deployments_names(
    single_host: Rendered,
):
    rendered, source = load_yaml(single_host.config_file), load_yaml(PROMETHEUS_CONFIG)
    assert rendered["global"]["external_labels"] == {"environment": "staging"}
    assert single_host.job("blackbox-health")["static_configs"] == [
        {"targets": [f"https://{DOMAIN}/api/v1/health"]}
    ]
    assert single_host.job("blackbox-tls")["static_configs"] == [{"targets": [f"{DOMAIN}:443"]}]
    assert rendered["alerting"] == source["alerting"]
    assert rendered["rule_files"] == source["rule_files"]
    assert [j["job_name"] for j in rendered["scrape_configs"]] == [
        j["job_name"] for j in source["scrape_configs"]
    ]


def test_split_scrapes_each_app_hosts_backend_listener_with_the_token(split: Rendered):
    api = split.job("agrobridge-api")
    assert api["static_configs"] == [
        {"targets": ["10.0.1.11:8081"], "labels": {"host": "app-1"}},
        {"targets": ["10.0.1.12:8081"], "labels": {"host": "app-2"}},
    ]
    assert api["authorization"] == {"type": "Bearer", "credentials_file": TOKEN_FILE}
    assert api["metrics_path"] == "/metrics"


def test_split_scrapes_each_app_hosts_webhook_worker_on_its_private_address(split: Rendered):
    job = split.job("agrobridge-webhooks")
    assert job["static_configs"] == [
        {"targets": ["10.0.1.11:9464"], "labels": {"host": "app-1"}},
        {"targets": ["10.0.1.12:9464"], "labels": {"host": "app-2"}},
    ]
    assert "authorization" not in job


def test_split_scrapes_node_exporter_on_every_hosts_private_address(split: Rendered):
    addresses = {
        "lb-1": "10.0.1.10",
        "app-1": "10.0.1.11",
        "app-2": "10.0.1.12",
        "db-1": "10.0.1.20",
    }
    assert split.job("node")["static_configs"] == [
        {"targets": [f"{address}:9100"], "labels": {"host": host}}
        for host, address in addresses.items()
    ]
    for host, address in addresses.items():
        assert split.node_exporter_listens_on(host) == f"{address}:9100"


@pytest.mark.parametrize("deployment", ["single_host", "split"])
def test_promtool_accepts_the_rendered_configuration(
    deployment: str, request: pytest.FixtureRequest
):
    rendered: Rendered = request.getfixturevalue(deployment)
    # What the role validates the file with before it replaces the live one.
    syntax = run_tool("promtool", "check", "config", "--syntax-only", str(rendered.config_file))
    assert syntax.returncode == 0, syntax.stdout + syntax.stderr
    # The full check, as deployed: the rule files beside it, and the token file in place.
    deployed = rendered.folder / "etc-prometheus"
    shutil.copytree(RULES_DIR, deployed / "rules", dirs_exist_ok=True)
    token = deployed / "agrobridge-metrics-token"
    token.write_text(secrets.token_hex(16))
    config = deployed / "prometheus.yml"
    config.write_text(rendered.config_file.read_text().replace(TOKEN_FILE, str(token)))
    result = run_tool("promtool", "check", "config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(list(RULES_DIR.glob('*.yml')))} rule files found" in result.stdout
