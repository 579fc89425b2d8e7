"""The deploy tier: `just provision|deploy|rollback|releases` against a VM-like host.

One bare Debian bookworm host (systemd, sshd, a sudo user with a key, as a cloud image) is
created for the session; the tests then run the real recipes against it in order, as an
operator would: provision, provision again, deploy, deploy under traffic, a broken deploy,
rollback. Certificates come from a local pebble through certbot. Everything secret (SSH key,
vault password, database and Redis passwords) is generated here.

Skipped only when podman is missing; anything else missing is a failure.
"""

import os
import secrets
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.acme import Pebble, running_pebble
from tests.deploy.hosts import (
    BASE_IMAGE,
    Host,
    Network,
    build_host_image,
    create_network,
    podman,
    remove_host,
    start_host,
    wait_for_ssh,
)
from tests.edge.pki import make_ca

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = "staging.agrobridge.test"
# Where the test host keeps the CAs of the private ACME server (not a project path).
ACME_CA_ON_HOST = "/etc/ssl/test-acme-ca.pem"
EDGE_ROOT_ON_HOST = "/etc/ssl/test-edge-root.pem"
CI_TRUST_ENV = ("AGROBRIDGE_CI_SIGNERS", "AGROBRIDGE_CI_PASSED_DIR")


@dataclass(frozen=True)
class Site:
    workdir: Path
    host: Host
    network: Network
    pebble: Pebble
    env: dict[str, str]  # for the recipes: inventories, vault password, podman settings

    def just(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return run_just(self.env, *args, timeout=timeout)


def run_just(
    env: dict[str, str], *args: str, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """A recipe of the Justfile as an operator runs it, with the tier's inventories."""
    started = time.monotonic()
    done = subprocess.run(
        [str(ROOT / "scripts" / "just"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    print(f"just {' '.join(args)}: exit {done.returncode} in {time.monotonic() - started:.1f} s")
    return done


@pytest.fixture(scope="session", autouse=True)
def deploy_tools() -> None:
    if shutil.which("podman") is None:
        pytest.skip(
            "the deploy tier needs podman (apt-get install podman)", allow_module_level=True
        )
    missing = [t for t in ("ssh", "ssh-keyscan", "pebble", "pebble-challtestsrv", "openssl")
               if shutil.which(t) is None]  # fmt: skip
    if shutil.which("ansible-playbook", path=str(ROOT / ".venv" / "bin")) is None:
        missing.append("ansible-playbook (just sync)")
    if missing:
        pytest.fail(f"the deploy tier needs: {', '.join(missing)}", pytrace=False)
    found = subprocess.run(["podman", "image", "exists", BASE_IMAGE], check=False)
    if found.returncode != 0:
        pytest.fail(
            f"no {BASE_IMAGE}: run .ci/podman-testcontainers.sh setup, or name a Debian "
            "bookworm image in AGROBRIDGE_DEPLOY_BASE_IMAGE",
            pytrace=False,
        )


@dataclass(frozen=True)
class CiTrust:
    """CI's signing key as the tier's stand-in for CI, the allowed-signers file `just deploy`
    trusts, and the folder of attestations it reads."""

    key: Path
    signers: Path
    passed: Path

    def attest(self, image: str, key: Path | None = None) -> None:
        subprocess.run(
            [str(ROOT / "scripts/ci-attest.sh"), "sign", image, str(key or self.key),
             str(self.passed)],
            check=True, capture_output=True,
        )  # fmt: skip


@pytest.fixture(scope="session", autouse=True)
def ci_trust(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CiTrust]:
    """A CI signing key made for this run; every recipe the tier runs trusts it alone."""
    folder = tmp_path_factory.mktemp("ci")
    key = folder / "ci-signing"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    signers = folder / "allowed-signers"
    signers.write_text(f"ci@agrobridge {key.with_suffix('.pub').read_text()}")
    trust = CiTrust(key, signers, folder / "passed")
    saved = {name: os.environ.get(name) for name in CI_TRUST_ENV}
    os.environ.update(
        AGROBRIDGE_CI_SIGNERS=str(signers), AGROBRIDGE_CI_PASSED_DIR=str(trust.passed)
    )
    yield trust
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    workdir = Path(tempfile.mkdtemp(prefix="agrobridge-deploy-"))
    name = f"agrobridge-deploy-{uuid.uuid4().hex[:8]}"
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        build_host_image()
        network = create_network(name)
        stack.callback(subprocess.run, ["podman", "network", "rm", "-f", name],
                       capture_output=True, check=False)  # fmt: skip
        key = workdir / "id_ed25519"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        stack.callback(remove_host, f"{name}-1")
        host = start_host(
            f"{name}-1", network, f"{network.prefix}10", key.with_suffix(".pub"), DOMAIN
        )
        known_hosts = workdir / "known_hosts"
        wait_for_ssh(host, known_hosts)
        ca = make_ca(workdir / "ca")
        pebble = stack.enter_context(
            running_pebble(workdir / "pebble", ca, network.gateway, host.address)
        )
        podman("cp", str(pebble.api_ca), f"{host.container}:{ACME_CA_ON_HOST}")
        podman("cp", str(pebble.issuing_root), f"{host.container}:{EDGE_ROOT_ON_HOST}")
        env = write_inventories(workdir, host, key, known_hosts, pebble, network.gateway)
        yield Site(workdir, host, network, pebble, env)


def write_inventories(
    workdir: Path, host: Host, key: Path, known_hosts: Path, pebble: Pebble, runner: str
) -> dict[str, str]:
    """staging: the test host, with the repository's staging settings, a vault made here and
    the test's overrides. production: a host that is never reached (promotion is refused).
    `runner`: the address the host sees this machine's connections come from."""
    inventories = workdir / "inventories"
    staging = inventories / "staging" / "group_vars" / "agrobridge"
    staging.mkdir(parents=True)
    shutil.copy(ROOT / "ansible/inventories/staging/group_vars/agrobridge/main.yml", staging)
    (inventories / "staging" / "hosts.yml").write_text(
        "agrobridge:\n  hosts:\n    staging-1:\n"
        f"      ansible_host: 127.0.0.1\n      ansible_port: {host.ssh_port}\n"
        f"      ansible_ssh_private_key_file: {key}\n"
        f"      ansible_ssh_common_args: -o UserKnownHostsFile={known_hosts}\n"
    )
    vault_password = write_vault(workdir, staging / "vault.yml", key)
    (staging / "zz-test.yml").write_text(
        f"agrobridge_public_domain: {DOMAIN}\n"
        f"nginx_certbot_server: {pebble.directory_url}\n"
        f"nginx_certbot_ca_bundle: {ACME_CA_ON_HOST}\n"
        f"api_edge_ca_file: {EDGE_ROOT_ON_HOST}\n"
        # The default watch is a minute; the tier keeps it short to fit CI's time.
        "api_watch_seconds: 10\n"
        # A host here shares two cores with the other sites: a healthy release's start was
        # seen to take over a real host's 45 s (the restore drill's new host, load average 18).
        "api_ready_timeout: 120\n"
        # This machine is the pipeline's runner: its load step is a load source.
        f"agrobridge_load_sources: [{runner}]\n"
    )
    production = inventories / "production"
    shutil.copytree(ROOT / "ansible/inventories/production", production)
    return {
        **os.environ,
        "AGROBRIDGE_INVENTORIES": str(inventories),
        "ANSIBLE_VAULT_PASSWORD_FILE": str(vault_password),
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_NOCOLOR": "1",
    }


def write_vault(
    workdir: Path, vault: Path, key: Path, values: dict[str, str] | None = None
) -> Path:
    """An encrypted vault of new passwords (and `values`), as an operator keeps one; returns
    the file holding its password."""
    vault_password = workdir / "vault-password"
    if not vault_password.exists():
        vault_password.write_text(secrets.token_hex(24))
    entries = {
        "vault_deploy_authorized_keys": f'["{key.with_suffix(".pub").read_text().strip()}"]',
        "vault_postgresql_owner_password": secrets.token_hex(20),
        "vault_postgresql_api_password": secrets.token_hex(20),
        "vault_redis_api_password": secrets.token_hex(20),
        **(values or {}),
    }
    vault.write_text("".join(f"{name}: {value}\n" for name, value in entries.items()))
    subprocess.run(
        [str(ROOT / ".venv/bin/ansible-vault"), "encrypt", str(vault),
         "--vault-password-file", str(vault_password)],
        check=True, capture_output=True,
    )  # fmt: skip
    return vault_password


@pytest.fixture(scope="session")
def images(ci_trust: CiTrust) -> Iterator[dict[str, str]]:
    """Three release images by id, each attested as CI would: `good`, `next` (the same code,
    another id) and `broken` (migrates, then its server exits at start). `good` is
    AGROBRIDGE_TEST_IMAGE when set, else built here."""
    good = os.environ.get("AGROBRIDGE_TEST_IMAGE")
    made: list[str] = []
    if not good:
        good = "localhost/agrobridge-api:deploy-test"
        subprocess.run(
            [str(ROOT / "scripts/build-image.sh"), "--base-image", BASE_IMAGE, "--tag", good],
            check=True, capture_output=True, timeout=900,
        )  # fmt: skip
        made.append(good)
    good_id = podman("image", "inspect", "--format", "{{.Id}}", good)
    derived = {
        "next": f"FROM {good_id}\nLABEL org.agrobridge.test.release=next\n",
        # Its migrations run (the deploy gets as far as starting it); its server exits at once.
        "broken": f"FROM {good_id}\nLABEL org.agrobridge.test.release=broken\n"
        'ENTRYPOINT ["/usr/bin/tini", "--", "/opt/venv/bin/python", "-c", '
        "\"import runpy, sys; sys.argv[1:] == ['migrate'] or "
        "sys.exit('this release is broken on purpose'); runpy.run_module('api', "
        "run_name='__main__')\"]\n"
        'CMD ["serve"]\n',
    }
    ids = {"good": good_id}
    context = Path(tempfile.mkdtemp(prefix="agrobridge-deploy-images-"))
    for name, containerfile in derived.items():
        tag = f"localhost/agrobridge-api:deploy-test-{name}-{uuid.uuid4().hex[:6]}"
        (context / "Containerfile").write_text(containerfile)
        podman("build", "-t", tag, str(context))
        made.append(tag)
        ids[name] = podman("image", "inspect", "--format", "{{.Id}}", tag)
    shutil.rmtree(context, ignore_errors=True)
    for image in ids.values():
        ci_trust.attest(image)
    yield ids
    for tag in made:
        subprocess.run(["podman", "rmi", tag], capture_output=True, check=False)
