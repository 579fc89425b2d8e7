"""Which host plays which part of the site, as the real Ansible derives it from an inventory.

The playbooks' own topology.yml and group variables run locally against generated inventories
(no host is reached): one host (today's inventories), a balancer with two app hosts and a
database host, app hosts behind a load balancer that is not ours (an ALB), and a layout the
playbooks refuse.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / "ansible" / "playbooks"
ANSIBLE_PLAYBOOK = ROOT / ".venv" / "bin" / "ansible-playbook"
ROLE_DEFAULTS = [ROOT / "ansible" / "roles" / role / "defaults" / "main.yml"
                 for role in ("base", "nginx")]  # fmt: skip
SHOWN = {
    "groups": "{{ group_names | sort }}",
    "split": "{{ agrobridge_split | bool }}",
    "nginx_site": "{{ nginx_site }}",
    "upstream": "{{ nginx_upstream }}",
    "public_ports": "{{ base_firewall_tcp_ports }}",
    "private_rules": "{{ base_firewall_private_rules }}",
    "trusted_balancers": "{{ agrobridge_balancer_sources }}",
}


def derive(tmp_path: Path, inventory: dict[str, Any]) -> dict[str, dict[str, Any]] | str:
    """What each host of `inventory` gets; the failure message when the playbooks refuse it."""
    if not ANSIBLE_PLAYBOOK.exists():
        pytest.fail("ansible-playbook is missing: run `just sync`", pytrace=False)
    # Beside a copy of the playbooks' group variables, as a playbook of that folder sees them.
    shutil.copytree(PLAYBOOKS / "group_vars", tmp_path / "group_vars")
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    show = {
        "hosts": "agrobridge",
        "gather_facts": False,
        "vars_files": [str(path) for path in ROLE_DEFAULTS],
        "vars": {"shown": SHOWN},
        "tasks": [
            {
                "ansible.builtin.copy": {
                    "content": "{{ shown | to_json }}",
                    "dest": f"{tmp_path}/{{{{ inventory_hostname }}}}.json",
                    "mode": "0644",
                }
            }
        ],
    }
    (tmp_path / "show.yml").write_text(
        json.dumps([{"ansible.builtin.import_playbook": str(PLAYBOOKS / "topology.yml")}, show])
    )
    done = subprocess.run(
        [str(ANSIBLE_PLAYBOOK), "-i", str(tmp_path / "inventory.json"), str(tmp_path / "show.yml")],
        env={**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible" / "ansible.cfg"),
             "ANSIBLE_NOCOLOR": "1"},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        return done.stdout + done.stderr
    names = [path.stem for path in tmp_path.glob("*.json") if path.stem != "inventory"]
    return {name: json.loads((tmp_path / f"{name}.json").read_text()) for name in names}


def local(**variables: Any) -> dict[str, Any]:
    return {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
            **variables}  # fmt: skip


def test_one_host_is_every_part_and_opens_nothing_private(tmp_path: Path):
    hosts = derive(tmp_path, {"agrobridge": {"hosts": {"production-1": local()}}})
    assert isinstance(hosts, dict), hosts
    (only,) = hosts.values()
    assert only["groups"] == ["agrobridge", "app", "balancer", "database", "monitoring"]
    assert only["split"] is False
    assert only["nginx_site"] == "edge"
    assert only["upstream"] == "server 127.0.0.1:8001;"
    assert only["public_ports"] == [22, 80, 443]
    assert only["private_rules"] == []


def test_a_balancer_reaches_every_app_host_and_each_port_is_open_to_its_users_only(tmp_path):
    hosts = derive(
        tmp_path,
        {
            "agrobridge": {
                "children": {
                    "balancer": {"hosts": {"lb-1": local(agrobridge_private_address="10.0.1.10")}},
                    "app": {
                        "hosts": {
                            "app-1": local(agrobridge_private_address="10.0.1.21"),
                            "app-2": local(agrobridge_private_address="10.0.1.22"),
                        }
                    },
                    "database": {"hosts": {"db-1": local(agrobridge_private_address="10.0.1.30")}},
                }
            }
        },
    )
    assert isinstance(hosts, dict), hosts
    balancer, app, database = hosts["lb-1"], hosts["app-1"], hosts["db-1"]
    assert balancer["groups"] == ["agrobridge", "balancer", "monitoring"]
    assert (balancer["split"], balancer["nginx_site"], app["nginx_site"]) == (
        True,
        "edge",
        "backend",
    )
    assert balancer["upstream"].split("\n") == [
        "server 10.0.1.21:8080 max_fails=1 fail_timeout=5s;",
        "    server 10.0.1.22:8080 max_fails=1 fail_timeout=5s;",
    ]
    assert app["upstream"] == "server 127.0.0.1:8001;"
    assert (balancer["public_ports"], app["public_ports"], database["public_ports"]) == (
        [22, 80, 443], [22], [22],
    )  # fmt: skip
    assert app["private_rules"] == [
        {"ports": [8080], "sources": ["10.0.1.10"]},
        {"ports": [8080, 9464], "sources": ["10.0.1.10"]},
        {"ports": [9100], "sources": ["10.0.1.10"]},
    ]
    assert database["private_rules"] == [
        {"ports": [5432, 6380], "sources": ["10.0.1.21", "10.0.1.22"]},
        {"ports": [9100], "sources": ["10.0.1.10"]},
    ]
    assert app["trusted_balancers"] == ["10.0.1.10"]


def test_app_hosts_behind_an_alb_trust_and_admit_its_subnets_from_the_inventory_file(tmp_path):
    subnets = ["10.0.0.0/24", "10.0.3.0/24"]
    hosts = derive(
        tmp_path,
        {
            "agrobridge": {
                # Set in the inventory file itself: the lowest place an operator can set it.
                "vars": {"agrobridge_balancer_networks": subnets},
                "children": {
                    "app": {"hosts": {"app-1": local(agrobridge_private_address="10.0.1.21")}},
                    "monitoring": {
                        "hosts": {"mon-1": local(agrobridge_private_address="10.0.1.40")}
                    },
                },
            }
        },
    )
    assert isinstance(hosts, dict), hosts
    app = hosts["app-1"]
    assert (app["split"], app["nginx_site"], app["public_ports"]) == (True, "backend", [22])
    assert app["trusted_balancers"] == subnets
    assert app["private_rules"][0] == {"ports": [8080], "sources": subnets}
    assert hosts["mon-1"]["groups"] == ["agrobridge", "monitoring"]


def test_a_balancer_that_is_one_of_several_app_hosts_is_refused(tmp_path: Path):
    refused = derive(
        tmp_path,
        {
            "agrobridge": {
                "children": {
                    "balancer": {"hosts": {"app-1": local(agrobridge_private_address="10.0.1.21")}},
                    "app": {
                        "hosts": {
                            "app-1": local(agrobridge_private_address="10.0.1.21"),
                            "app-2": local(agrobridge_private_address="10.0.1.22"),
                        }
                    },
                }
            }
        },
    )
    assert isinstance(refused, str)
    assert "must be the only host of both" in refused
