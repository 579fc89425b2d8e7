"""pebble (Let's Encrypt's test ACME server) for the test hosts: it listens on the test
network's gateway, and its DNS answers every name with the test host's address, so that
HTTP-01 validation really fetches the token from the host's nginx on port 80."""

import json
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.edge.acme import PEBBLE_ENV, _process
from tests.edge.pki import Issued, issue
from tests.support.server import free_port


@dataclass(frozen=True)
class Pebble:
    directory_url: str
    api_ca: Path  # trusts pebble's own HTTPS endpoint (certbot's REQUESTS_CA_BUNDLE)
    issuing_root: Path  # what clients trust to verify the certificates pebble issues


@contextmanager
def running_pebble(workdir: Path, ca: Issued, listen: str, host_address: str) -> Iterator[Pebble]:
    workdir.mkdir(parents=True, exist_ok=True)
    listener = issue(ca, workdir, "pebble", f"IP:{listen},IP:127.0.0.1")
    api_port, management_port, dns_port = free_port(), free_port(), free_port()
    config = workdir / "pebble.json"
    config.write_text(
        json.dumps(
            {
                "pebble": {
                    "listenAddress": f"{listen}:{api_port}",
                    "managementListenAddress": f"127.0.0.1:{management_port}",
                    "certificate": str(listener.cert),
                    "privateKey": str(listener.key),
                    "httpPort": 80,
                    "tlsPort": 443,
                    "ocspResponderURL": "",
                    "externalAccountBindingRequired": False,
                }
            }
        )
    )
    dns = [
        *("pebble-challtestsrv", "-defaultIPv4", host_address, "-defaultIPv6", ""),
        *("-dns01", f"127.0.0.1:{dns_port}", "-http01", "", "-https01", "", "-tlsalpn01", ""),
        *("-management", f"127.0.0.1:{free_port()}"),
    ]
    pebble = ["pebble", "-config", str(config), "-dnsserver", f"127.0.0.1:{dns_port}"]
    with ExitStack() as stack:
        stack.enter_context(_process(dns, workdir / "challtestsrv.log"))
        stack.enter_context(_process(pebble, workdir / "pebble.log", PEBBLE_ENV))
        tls = ssl.create_default_context(cafile=str(ca.cert))
        directory = f"https://{listen}:{api_port}/dir"
        roots = f"https://127.0.0.1:{management_port}/roots/0"
        # pebble opens its two listeners one after the other: wait for both.
        _wait(
            lambda: all(
                httpx.get(url, verify=tls, timeout=2).is_success for url in (directory, roots)
            ),
            workdir / "pebble.log",
        )
        root = httpx.get(roots, verify=tls, timeout=10)
        root.raise_for_status()
        issuing_root = workdir / "issuing-root.pem"
        issuing_root.write_text(root.text)
        yield Pebble(directory, ca.cert, issuing_root)


def _wait(ready: Callable[[], bool], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"pebble not serving in 15 s:\n{log.read_text(errors='replace')}")
