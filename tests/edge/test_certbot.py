"""Certificates as a new host gets them: nginx starts on a placeholder, certbot obtains the real
one through real HTTP-01 validation via this nginx, the deploy hook makes nginx serve it, and
renewal works. The ACME server is a local pebble, never Let's Encrypt."""

import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.edge.acme import Pebble, certbot, running_pebble
from tests.edge.conftest import address, curl_for
from tests.edge.curl import Curl, Reply
from tests.edge.nginx import Site, install_placeholder, prepare_site, running_nginx
from tests.edge.pki import Issued
from tests.support.server import RunningServer

pytestmark = pytest.mark.e2e

UNTRUSTED = 60  # curl: the server's certificate does not verify against --cacert
CHALLENGE_PREFIX = "GET /.well-known/acme-challenge/"


@dataclass(frozen=True)
class NewHost:
    site: Site
    pebble: Pebble
    certbot_state: Path
    client: Curl  # trusts only what pebble issues
    before_issuance: Reply
    issuance: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def new_host(server: RunningServer, edge_root: Path, test_ca: Issued) -> Iterator[NewHost]:
    site = prepare_site(edge_root, address(server))
    placeholder = install_placeholder(site)
    assert placeholder.returncode == 0, placeholder.stderr
    with (
        running_nginx(site),
        running_pebble(site.prefix / "pebble", test_ca, site.http_port) as pebble,
    ):
        client = curl_for(site, pebble.issuing_root(site.prefix / "pebble-root.pem"), edge_root)
        before = client.get("/api/v1/health")
        state = site.prefix / "certbot"
        issuance = certbot(
            pebble, state, "certonly", "--webroot", "-w", str(site.webroot), "-d", site.domain,
            "--agree-tos", "--register-unsafely-without-email",
            "--deploy-hook", str(site.deploy_hook),
        )  # fmt: skip
        yield NewHost(site, pebble, state, client, before, issuance)


def challenge_fetches(site: Site, expect: int = 0) -> list[int]:
    entries = site.access_log(expect, lambda e: e["request"].startswith(CHALLENGE_PREFIX))
    return [e["status"] for e in entries]


def test_nginx_starts_on_a_placeholder_before_the_first_certificate_exists(
    new_host: NewHost,
) -> None:
    assert new_host.before_issuance.exit_code == UNTRUSTED, new_host.before_issuance.error


def test_certbot_obtains_a_certificate_through_http_01_validation_via_nginx(
    new_host: NewHost,
) -> None:
    assert new_host.issuance.returncode == 0, new_host.issuance.stderr
    assert 200 in challenge_fetches(new_host.site, 1)


def test_nginx_serves_the_new_certificate_once_the_deploy_hook_reloaded_it(
    new_host: NewHost,
) -> None:
    assert new_host.issuance.returncode == 0, new_host.issuance.stderr
    deadline = time.monotonic() + 10  # nginx -s reload only signals; workers follow shortly
    reply = new_host.client.get("/api/v1/health")
    while reply.exit_code == UNTRUSTED and time.monotonic() < deadline:
        time.sleep(0.2)
        reply = new_host.client.get("/api/v1/health")
    assert reply.status == 200, reply.error
    assert reply.json() == {"status": "ok"}


def served_certificate(site: Site, trusted: Path) -> bytes:
    context = ssl.create_default_context(cafile=str(trusted))
    with (
        socket.create_connection(("127.0.0.1", site.https_port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=site.domain) as tls,
    ):
        certificate = tls.getpeercert(binary_form=True)
    assert certificate is not None
    return certificate


def test_a_renewed_certificate_is_served_once_the_deploy_hook_reloaded_nginx(
    new_host: NewHost,
) -> None:
    site, root = new_host.site, new_host.client.ca_file
    issued = served_certificate(site, root)
    renewal = certbot(
        new_host.pebble, new_host.certbot_state, "renew", "--force-renewal",
        "--no-random-sleep-on-renew",
    )  # fmt: skip
    assert renewal.returncode == 0, renewal.stderr
    deadline = time.monotonic() + 10
    while served_certificate(site, root) == issued and time.monotonic() < deadline:
        time.sleep(0.2)
    assert served_certificate(site, root) != issued


def test_certbot_renew_dry_run_succeeds_through_nginx(new_host: NewHost) -> None:
    fetched_before = len(challenge_fetches(new_host.site))
    renewal = certbot(
        new_host.pebble, new_host.certbot_state, "renew", "--dry-run", "--no-random-sleep-on-renew"
    )
    assert renewal.returncode == 0, renewal.stderr
    assert "all simulated renewals succeeded" in renewal.stdout + renewal.stderr
    # The dry run was validated again through nginx (pebble fetches from several vantage points).
    fetched = challenge_fetches(new_host.site, fetched_before + 1)[fetched_before:]
    assert fetched, "pebble fetched no challenge for the renewal"
    assert set(fetched) == {200}
