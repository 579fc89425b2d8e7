"""A site split over VM-like hosts: a balancer, two app hosts, and a database host that plays a
managed PostgreSQL and Redis (RDS, ElastiCache): TLS only, with a certificate from its own CA.

The database host is provisioned from an inventory of its own, as a provider's console would
make it; the site's inventory names it only by address, port and CA bundle, and its app hosts
have no database installed. (The inventories are written as JSON, which is YAML too.)
"""

import json
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.deploy.acme import Pebble, running_pebble
from tests.deploy.conftest import (
    ACME_CA_ON_HOST,
    DOMAIN,
    EDGE_ROOT_ON_HOST,
    ROOT,
    run_just,
    write_vault,
)
from tests.deploy.hosts import (
    Host,
    Network,
    build_host_image,
    create_network,
    podman,
    remove_host,
    start_host,
    wait_for_ssh,
)
from tests.edge.pki import Issued, issue, make_ca

# The last byte of each host's private address.
HOSTS = {"lb-1": 10, "app-1": 11, "app-2": 12, "db-1": 20}
APPS = ("app-1", "app-2")


@dataclass(frozen=True)
class ScaledSite:
    workdir: Path
    hosts: dict[str, Host]
    network: Network
    pebble: Pebble
    env: dict[str, str]
    database_inventory: Path

    def just(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return run_just(self.env, *args, timeout=timeout)

    def address(self, name: str) -> str:
        return self.hosts[name].address

    def provision_database(self) -> subprocess.CompletedProcess[str]:
        """The provider's side: the same playbook, an inventory of the database host alone."""
        return subprocess.run(
            [str(ROOT / ".venv/bin/ansible-playbook"), "-i", str(self.database_inventory),
             str(ROOT / "ansible/playbooks/site.yml"), "-e", "ansible_user=admin"],
            cwd=ROOT, env={**self.env, "ANSIBLE_CONFIG": str(ROOT / "ansible/ansible.cfg")},
            capture_output=True, text=True, timeout=1200, check=False,
        )  # fmt: skip


@contextmanager
def scaled_site(name: str) -> Iterator[ScaledSite]:
    workdir = Path(tempfile.mkdtemp(prefix="agrobridge-scale-out-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        build_host_image()
        network = create_network(name)
        stack.callback(subprocess.run, ["podman", "network", "rm", "-f", name],
                       capture_output=True, check=False)  # fmt: skip
        key = workdir / "id_ed25519"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        hosts: dict[str, Host] = {}
        for host, last in HOSTS.items():
            container = f"{name}-{host}"
            stack.callback(remove_host, container)
            hosts[host] = start_host(
                container, network, f"{network.prefix}{last}", key.with_suffix(".pub"), DOMAIN
            )
        scans = []
        for started in hosts.values():
            scan = workdir / f"known_hosts-{started.container}"
            wait_for_ssh(started, scan)
            scans.append(scan.read_text())
        known_hosts = workdir / "known_hosts"
        known_hosts.write_text("".join(scans))
        ca = make_ca(workdir / "ca")
        balancer = hosts["lb-1"]
        pebble = stack.enter_context(
            running_pebble(workdir / "pebble", ca, network.gateway, balancer.address)
        )
        podman("cp", str(pebble.api_ca), f"{balancer.container}:{ACME_CA_ON_HOST}")
        podman("cp", str(pebble.issuing_root), f"{balancer.container}:{EDGE_ROOT_ON_HOST}")
        # The managed database's own CA and server certificate, for its private address.
        database_ca = make_ca(workdir / "database-ca")
        database_cert = issue(
            database_ca, workdir / "database-ca", "db", f"IP:{hosts['db-1'].address}"
        )
        connection = {
            "ansible_host": "127.0.0.1",
            "ansible_ssh_private_key_file": str(key),
            "ansible_ssh_common_args": f"-o UserKnownHostsFile={known_hosts}",
        }
        passwords = {
            "owner": secrets.token_hex(20),
            "api": secrets.token_hex(20),
            "redis": secrets.token_hex(20),
        }
        database_inventory = write_database_inventory(
            workdir, hosts, connection, key, passwords, database_cert
        )
        env = write_site_inventories(
            workdir, hosts, connection, key, passwords, pebble, database_ca.cert
        )
        yield ScaledSite(workdir, hosts, network, pebble, env, database_inventory)


def write_database_inventory(
    workdir: Path,
    hosts: dict[str, Host],
    connection: dict[str, str],
    key: Path,
    passwords: dict[str, str],
    cert: Issued,
) -> Path:
    """The database host alone: PostgreSQL and Redis on its private address, TLS only, open
    to the site's network (the managed service's security group)."""
    db = hosts["db-1"]
    network = f"{db.address.rsplit('.', 1)[0]}.0/24"
    inventory = workdir / "database.yml"
    inventory.write_text(
        json.dumps(
            {
                "agrobridge": {
                    "vars": {
                        **connection,
                        "base_deploy_user": "deploy",
                        "base_deploy_authorized_keys": [
                            key.with_suffix(".pub").read_text().strip()
                        ],
                        "postgresql_owner_password": passwords["owner"],
                        "postgresql_api_password": passwords["api"],
                        "redis_api_password": passwords["redis"],
                        "postgresql_client_networks": [network],
                        "postgresql_ssl_cert_source": str(cert.cert),
                        "postgresql_ssl_key_source": str(cert.key),
                        "redis_tls_cert_source": str(cert.cert),
                        "redis_tls_key_source": str(cert.key),
                        "base_firewall_private_rules": [
                            {"ports": [5432, 6380], "sources": [network]}
                        ],
                    },
                    "children": {
                        "database": {
                            "hosts": {
                                "db-1": {
                                    "ansible_port": db.ssh_port,
                                    "agrobridge_private_address": db.address,
                                }
                            }
                        }
                    },
                }
            }
        )
    )
    return inventory


def write_site_inventories(
    workdir: Path,
    hosts: dict[str, Host],
    connection: dict[str, str],
    key: Path,
    passwords: dict[str, str],
    pebble: Pebble,
    database_ca: Path,
) -> dict[str, str]:
    """staging: one balancer and two app hosts, the database named by inventory variables."""
    staging = workdir / "inventories" / "staging"
    group_vars = staging / "group_vars" / "agrobridge"
    group_vars.mkdir(parents=True)
    shutil.copy(ROOT / "ansible/inventories/staging/group_vars/agrobridge/main.yml", group_vars)

    def member(name: str) -> dict[str, object]:
        host = hosts[name]
        return {"ansible_port": host.ssh_port, "agrobridge_private_address": host.address}

    (staging / "hosts.yml").write_text(
        json.dumps(
            {
                "agrobridge": {
                    "vars": connection,
                    "children": {
                        "balancer": {"hosts": {"lb-1": member("lb-1")}},
                        "app": {"hosts": {name: member(name) for name in APPS}},
                    },
                }
            }
        )
    )
    vault_password = write_vault(
        workdir,
        group_vars / "vault.yml",
        key,
        {
            "vault_postgresql_owner_password": passwords["owner"],
            "vault_postgresql_api_password": passwords["api"],
            "vault_redis_api_password": passwords["redis"],
            "vault_api_metrics_token": secrets.token_hex(24),
        },
    )
    db = hosts["db-1"].address
    (group_vars / "zz-test.yml").write_text(
        f"agrobridge_public_domain: {DOMAIN}\n"
        f"nginx_certbot_server: {pebble.directory_url}\n"
        f"nginx_certbot_ca_bundle: {ACME_CA_ON_HOST}\n"
        f"api_edge_ca_file: {EDGE_ROOT_ON_HOST}\n"
        "api_watch_seconds: 10\n"
        # A host here shares two cores with the other sites: a healthy release's start was
        # seen to take over a real host's 45 s (the restore drill's new host, load average 18).
        "api_ready_timeout: 120\n"
        'api_metrics_token: "{{ vault_api_metrics_token }}"\n'
        # The releases run with production's start-up checks (TLS to the database required).
        "api_environment: production\n"
        # The managed endpoints, TLS verified against their CA.
        f"api_database_host: {db}\n"
        f"api_database_ca_file: {database_ca}\n"
        f"api_redis_url_host: {db}\n"
        "api_redis_tls: true\n"
        f"api_redis_ca_file: {database_ca}\n"
    )
    return {
        **os.environ,
        "AGROBRIDGE_INVENTORIES": str(workdir / "inventories"),
        "ANSIBLE_VAULT_PASSWORD_FILE": str(vault_password),
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_NOCOLOR": "1",
    }
