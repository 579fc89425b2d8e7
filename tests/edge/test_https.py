"""Over HTTPS through nginx: TLS 1.3 and HTTP/2 only, to the API and back with its request id."""

import uuid
from pathlib import Path

import pytest

from tests.edge.conftest import StartSite, address, assert_edge_error, curl_for
from tests.edge.curl import Curl
from tests.edge.nginx import Site, check_config
from tests.edge.pki import Issued
from tests.support.server import RunningServer

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024


def test_nginx_accepts_the_rendered_configuration(site: Site) -> None:
    checked = check_config(site)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr
    assert "[emerg]" not in checked.stderr


def test_a_request_over_https_reaches_the_api_and_comes_back_with_its_request_id(
    edge: Curl, site: Site
) -> None:
    request_id = f"edge-{uuid.uuid4().hex}"
    reply = edge.get("/api/v1/health/ready", headers={"X-Request-ID": request_id})
    assert reply.status == 200, reply.body
    assert reply.json() == {"status": "ok", "checks": {"postgres": "ok", "redis": "ok"}}
    assert reply.header("x-request-id") == request_id
    logged = site.access_log(1, lambda e: e["request_id"] == request_id)
    assert [(e["status"], e["upstream_status"]) for e in logged] == [(200, "200")]


def test_without_a_request_id_the_api_answers_with_the_one_nginx_logged(
    edge: Curl, site: Site
) -> None:
    reply = edge.get("/api/v1/health", headers={"X-Request-ID": "not a valid id!"})
    assert reply.status == 200
    request_id = reply.header("x-request-id")
    assert request_id != "not a valid id!"
    assert [e["request_id"] for e in site.access_log(1)] == [request_id]


def test_plain_http_is_redirected_to_the_same_path_over_https(edge: Curl) -> None:
    path = "/api/v1/batches?status=in_transit&limit=5"
    reply = edge.request("GET", edge.http(path), options=["--http1.1"])
    assert reply.status == 301
    assert reply.header("location") == edge.https(path)


def test_plain_http_serves_acme_challenge_tokens_without_redirecting(
    edge: Curl, site: Site
) -> None:
    challenges = site.webroot / ".well-known" / "acme-challenge"
    challenges.mkdir(parents=True)
    (challenges / "token-123").write_text("token-123.thumbprint")
    path = "/.well-known/acme-challenge/token-123"
    reply = edge.request("GET", edge.http(path), options=["--http1.1"])
    assert reply.status == 200
    assert reply.body == b"token-123.thumbprint"


def test_tls_1_2_is_refused(edge: Curl) -> None:
    reply = edge.request("GET", edge.https("/api/v1/health"), options=["--tls-max", "1.2"])
    assert reply.status == 0
    assert reply.exit_code == 35, reply.error  # CURLE_SSL_CONNECT_ERROR: no handshake
    assert "protocol version" in str(reply.error)


def test_http2_is_negotiated(edge: Curl) -> None:
    reply = edge.get("/api/v1/health")
    assert reply.status == 200
    assert reply.http_version == "2"


SECURITY_HEADERS = {
    "strict-transport-security": "max-age=63072000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "cache-control": "no-store",
}


@pytest.mark.parametrize(
    ("path", "status"), [("/api/v1/health", 200), ("/not-routed", 404)], ids=["api", "nginx"]
)
def test_security_headers_are_sent_once_whoever_answers(edge: Curl, path: str, status: int) -> None:
    reply = edge.get(path)
    assert reply.status == status
    for name, value in SECURITY_HEADERS.items():
        assert reply.header(name) == value


@pytest.mark.parametrize(
    "path", ["/verify/NO-SUCH-CODE", "/01/07038010000065/10/NO-SUCH-LOT"], ids=["page", "link"]
)
def test_a_label_s_public_paths_reach_the_api(edge: Curl, site: Site, path: str) -> None:
    reply = edge.get(path, headers={"Accept": "application/ld+json"})
    # The API's answer (an unknown lot), not nginx's own 404 for what it does not route.
    assert reply.status == 404
    assert [e["upstream_status"] for e in site.access_log(1)] == ["404"]


@pytest.mark.parametrize("path", ["/metrics", "/docs", "/docs/openapi.json", "/__health__", "/"])
def test_internal_endpoints_are_not_reachable_from_outside(edge: Curl, path: str) -> None:
    reply = edge.get(path)
    assert_edge_error(reply, 404, "not_found")


def test_the_api_docs_are_served_when_the_deployment_makes_them_public(
    start_site: StartSite, server: RunningServer, test_ca: Issued, edge_root: Path
) -> None:
    site = start_site(address(server), public_docs="on")
    edge = curl_for(site, test_ca.cert, edge_root)
    document = edge.get("/docs/openapi.json")
    assert document.status == 200
    assert document.json()["info"]["title"] == "AgroBridge API"
    page = edge.get("/docs")
    assert page.status == 200
    assert "script-src 'unsafe-inline'" in page.header("content-security-policy")


def test_a_body_the_api_accepts_passes_and_one_byte_more_is_refused_with_its_error(
    edge: Curl, site: Site
) -> None:
    url = edge.https("/api/v1/auth/login")
    json_headers = {"Content-Type": "application/json"}
    at_limit = edge.request("POST", url, headers=json_headers, body=b" " * MIB)
    assert at_limit.status == 400, at_limit.body  # read by the API: not JSON
    over = edge.request("POST", url, headers=json_headers, body=b" " * (MIB + 1))
    assert_edge_error(over, 413, "payload_too_large")
    assert [e["upstream_status"] for e in site.access_log(2)] == ["400", ""]
