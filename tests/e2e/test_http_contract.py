"""What every response carries, and what the API documents about itself."""

import httpx
import pytest

from tests.support.server import RunningServer

pytestmark = pytest.mark.e2e


def test_a_well_formed_request_id_is_echoed_and_a_bad_one_replaced(client: httpx.Client) -> None:
    echoed = client.get("/health", headers={"X-Request-ID": "client-id.42_x"})
    assert echoed.headers["X-Request-ID"] == "client-id.42_x"
    replaced = client.get("/health", headers={"X-Request-ID": "bad id; drop table"})
    assert replaced.headers["X-Request-ID"] != "bad id; drop table"
    assert len(replaced.headers["X-Request-ID"]) == 32
    generated = client.get("/health")
    assert generated.headers["X-Request-ID"] != client.get("/health").headers["X-Request-ID"]


def test_responses_carry_the_security_headers(client: httpx.Client) -> None:
    headers = client.get("/health").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "max-age=" in headers["Strict-Transport-Security"]
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"]


def test_the_openapi_document_covers_the_implemented_contract(server: RunningServer) -> None:
    spec = httpx.get(server.url + "/docs/openapi.json").json()
    expected = {
        ("get", "/api/v1/health"),
        ("get", "/api/v1/health/ready"),
        ("post", "/api/v1/auth/register"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/refresh"),
        ("get", "/api/v1/auth/me"),
        ("get", "/api/v1/batches"),
        ("post", "/api/v1/batches"),
        ("get", "/api/v1/batches/{batch_id}"),
        ("post", "/api/v1/batches/{batch_id}/status"),
        ("get", "/api/v1/batches/{batch_id}/transactions"),
        ("post", "/api/v1/batches/{batch_id}/transactions"),
        ("get", "/.well-known/jwks.json"),
    }
    documented = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert expected <= documented
    batch = spec["components"]["schemas"]["BatchOut"]
    assert batch["properties"]["quantity"]["type"] == "string"
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_docs_page_needs_no_outside_asset(server: RunningServer) -> None:
    page = httpx.get(server.url + "/docs")
    assert page.status_code == 200
    assert "/docs/openapi.json" in page.text
    assert "https://" not in page.text


def test_the_jwks_publishes_the_signing_key(server: RunningServer) -> None:
    keys = httpx.get(server.url + "/.well-known/jwks.json").json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kty"] == "RSA"
    assert keys[0]["alg"] == "RS256"
    assert keys[0]["kid"]
    assert "d" not in keys[0]


def test_cors_answers_only_the_allowed_origins(client: httpx.Client) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = client.options("/batches", headers=preflight | {"Origin": "https://app.example.com"})
    other = client.options("/batches", headers=preflight | {"Origin": "https://evil.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "Access-Control-Allow-Origin" not in other.headers
    simple = client.get("/health", headers={"Origin": "https://app.example.com"})
    assert "x-request-id" in simple.headers["Access-Control-Expose-Headers"].lower()
