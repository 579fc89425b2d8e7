"""The edge tier: nginx, rendered from nginx/, in front of the real multi-worker API.

Every test gets its own nginx (its own rate-limit counters) on free loopback ports, with a
certificate from a CA made for the run. The API behind it trusts one proxy
(AGROBRIDGE_PROXIES_COUNT=1) and has the deployment's body limit and timeouts, as it would in
production.
"""

import shutil
import subprocess
import tempfile
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.e2e.conftest import auditor, server_env
from tests.edge.curl import Curl, Reply
from tests.edge.nginx import Site, install_certificate, nginx_binary, prepare_site, running_nginx
from tests.edge.pki import Issued, issue, make_ca
from tests.support.backends import Backends
from tests.support.limits import api_limit_env
from tests.support.server import RunningServer, api_server

__all__ = ["auditor"]  # the e2e fixture, made by the operator command, against this API

MISSING_TOOLS = """
The edge tests run real nginx, pebble, curl and openssl, and could not find: {missing}.
On Debian: apt-get install -y nginx pebble curl openssl
(curl must be built with HTTP/2, as Debian's is.)
"""

# What the api role writes into a release's environment beside these (templates/api.env.j2).
EDGE_API = {
    "AGROBRIDGE_PROXIES_COUNT": "1",
    **api_limit_env(),
}


@pytest.fixture(scope="session", autouse=True)
def edge_tools() -> None:
    found = {
        "nginx": nginx_binary(),
        "pebble": shutil.which("pebble"),
        "pebble-challtestsrv": shutil.which("pebble-challtestsrv"),
        "curl": shutil.which("curl"),
        "openssl": shutil.which("openssl"),
    }
    missing = [name for name, path in found.items() if path is None]
    if not missing and "HTTP2" not in _curl_features():
        missing.append("curl with HTTP/2")
    if missing:
        pytest.fail(MISSING_TOOLS.format(missing=", ".join(missing)), pytrace=False)


def _curl_features() -> str:
    return subprocess.run(["curl", "-V"], capture_output=True, text=True, check=False).stdout


@pytest.fixture(scope="session")
def edge_root() -> Iterator[Path]:
    """Outside pytest's tmp dirs, which nginx's unprivileged workers could not enter."""
    root = Path(tempfile.mkdtemp(prefix="agrobridge-edge-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def test_ca(edge_root: Path) -> Issued:
    return make_ca(edge_root / "ca")


@pytest.fixture(scope="session")
def site_cert(test_ca: Issued, edge_root: Path) -> Issued:
    return issue(test_ca, edge_root / "ca", "site", "DNS:agrobridge.test")


def edge_api_env(backends: Backends, database_url: str, signing_key: Path) -> dict[str, str]:
    return {**server_env(database_url, backends.redis_url, signing_key), **EDGE_API}


@pytest.fixture(scope="session")
def server(
    backends: Backends,
    database_url: str,
    signing_key: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningServer]:
    """`python -m api serve` with two workers, configured to sit behind nginx."""
    log = tmp_path_factory.mktemp("edge-api") / "api.log"
    with api_server(edge_api_env(backends, database_url, signing_key), log) as running:
        yield running


StartSite = Callable[..., Site]


SITES = pytest.StashKey[list[Site]]()


@pytest.fixture
def start_site(
    request: pytest.FixtureRequest, edge_root: Path, test_ca: Issued, site_cert: Issued
) -> Iterator[StartSite]:
    """Start nginx in front of the API at "host:port"; stopped when the test ends."""
    started = request.node.stash.setdefault(SITES, [])
    with ExitStack() as stack:

        def start(api_address: str, public_docs: str = "off") -> Site:
            site = prepare_site(edge_root, api_address, public_docs)
            install_certificate(site, site_cert.cert, site_cert.key, test_ca.cert)
            stack.enter_context(running_nginx(site))
            started.append(site)
            return site

        yield start


@pytest.fixture
def site(start_site: StartSite, server: RunningServer) -> Site:
    return start_site(address(server))


def address(server: RunningServer) -> str:
    return server.url.removeprefix("http://")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test's report carries nginx's error log: the temp dir is gone by then."""
    report: pytest.TestReport = yield
    if report.failed:
        for site in item.stash.get(SITES, []):
            if site.error_log.exists():
                log = site.error_log.read_text(errors="replace")[-4000:]
                report.sections.append((f"nginx error log ({site.prefix.name})", log))
    return report


def curl_for(site: Site, ca_file: Path, workdir: Path) -> Curl:
    return Curl(site.domain, site.https_port, site.http_port, ca_file, workdir)


@pytest.fixture
def edge(site: Site, test_ca: Issued, edge_root: Path) -> Curl:
    return curl_for(site, test_ca.cert, edge_root)


def assert_edge_error(reply: Reply, status: int, code: str) -> None:
    """nginx's own errors have the API's shape and carry the id in the header."""
    assert reply.status == status, reply.body
    assert reply.header("content-type").startswith("application/json")
    error = reply.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["request_id"] == reply.header("x-request-id")
