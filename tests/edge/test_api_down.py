"""When the API is down, nginx still answers, in the API's error shape."""

import uuid
from pathlib import Path

import pytest

from tests.edge.conftest import StartSite, address, assert_edge_error, curl_for, edge_api_env
from tests.edge.pki import Issued
from tests.support.backends import Backends
from tests.support.server import api_server

pytestmark = pytest.mark.e2e


def test_with_the_api_stopped_nginx_answers_503_to_retry_with_the_json_error(
    start_site: StartSite,
    backends: Backends,
    database_url: str,
    signing_key: Path,
    test_ca: Issued,
    edge_root: Path,
    tmp_path: Path,
) -> None:
    # An API of its own, so that stopping it leaves the other tests theirs.
    env = edge_api_env(backends, database_url, signing_key)
    with api_server(env, tmp_path / "api.log") as api:
        edge = curl_for(start_site(address(api)), test_ca.cert, edge_root)
        assert edge.get("/api/v1/health").status == 200

    # The API has shut down (SIGTERM, as systemd stops it); nginx is still up.
    request_id = f"edge-{uuid.uuid4().hex}"
    down = edge.get("/api/v1/health", headers={"X-Request-ID": request_id})
    assert_edge_error(down, 503, "unavailable")
    assert down.header("retry-after") == "5"
    assert down.json()["error"]["request_id"] == request_id
    assert down.header("strict-transport-security").startswith("max-age=")
