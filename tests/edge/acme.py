"""A local ACME CA: pebble (Let's Encrypt's test server) with pebble-challtestsrv as its DNS,
on loopback only, and certbot pinned to it. Nothing here ever talks to Let's Encrypt."""

import json
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.edge.pki import Issued, issue
from tests.support.processes import stop_group
from tests.support.server import free_port
from tests.support.waiting import wait_until

# No random sleeps or rejected nonces (speed), and no reused authorizations, so that every
# order, the dry run included, is validated again through nginx.
PEBBLE_ENV = {"PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0", "PEBBLE_AUTHZREUSE": "0"}


@dataclass(frozen=True)
class Pebble:
    directory_url: str
    management_url: str
    api_ca: Path  # trusts pebble's own HTTPS endpoints

    def client_tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.api_ca))

    def issuing_root(self, destination: Path) -> Path:
        """The root pebble signs with, new at every start: what a client would trust."""
        root = httpx.get(f"{self.management_url}/roots/0", verify=self.client_tls(), timeout=10)
        root.raise_for_status()
        destination.write_text(root.text)
        return destination


@contextmanager
def running_pebble(workdir: Path, ca: Issued, http_port: int) -> Iterator[Pebble]:
    """Pebble validating HTTP-01 on `http_port` of whatever address its DNS gives: 127.0.0.1."""
    workdir.mkdir(parents=True, exist_ok=True)
    listener = issue(ca, workdir, "pebble", "IP:127.0.0.1")
    dns_port, api_port, management_port = free_port(), free_port(), free_port()
    config = workdir / "pebble.json"
    config.write_text(
        json.dumps(
            {
                "pebble": {
                    "listenAddress": f"127.0.0.1:{api_port}",
                    "managementListenAddress": f"127.0.0.1:{management_port}",
                    "certificate": str(listener.cert),
                    "privateKey": str(listener.key),
                    "httpPort": http_port,
                    "tlsPort": free_port(),
                    "ocspResponderURL": "",
                    "externalAccountBindingRequired": False,
                }
            }
        )
    )
    dns = [
        *("pebble-challtestsrv", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""),
        *("-dns01", f"127.0.0.1:{dns_port}", "-http01", "", "-https01", "", "-tlsalpn01", ""),
        *("-management", f"127.0.0.1:{free_port()}"),
    ]
    pebble = ["pebble", "-config", str(config), "-dnsserver", f"127.0.0.1:{dns_port}"]
    with ExitStack() as stack:
        stack.enter_context(_process(dns, workdir / "challtestsrv.log"))
        stack.enter_context(_process(pebble, workdir / "pebble.log", PEBBLE_ENV))
        found = Pebble(
            f"https://127.0.0.1:{api_port}/dir",
            f"https://127.0.0.1:{management_port}",
            ca.cert,
        )
        _wait_for_directory(found, workdir / "pebble.log")
        yield found


@contextmanager
def _process(
    command: list[str], log: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    try:
        yield process
    finally:
        stop_group(process)


def _wait_for_directory(pebble: Pebble, log: Path) -> None:
    # pebble opens its ACME and management listeners one after the other: wait for both.
    urls = (pebble.directory_url, f"{pebble.management_url}/roots/0")

    def serving() -> bool:
        try:
            tls = pebble.client_tls()
            return all(httpx.get(url, verify=tls, timeout=2).is_success for url in urls)
        except httpx.TransportError:
            return False

    if not wait_until(serving, seconds=15):
        raise RuntimeError(f"pebble not serving in 15 s:\n{log.read_text(errors='replace')}")


def certbot(pebble: Pebble, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """certbot against pebble, with all its state under `state`; never the default server."""
    command = [
        str(Path(sys.executable).parent / "certbot"),
        *args,
        *("--server", pebble.directory_url, "--non-interactive"),
        *("--config-dir", str(state / "config"), "--work-dir", str(state / "work")),
        *("--logs-dir", str(state / "logs")),
    ]
    return subprocess.run(
        command,
        env={**os.environ, "REQUESTS_CA_BUNDLE": str(pebble.api_ca)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
