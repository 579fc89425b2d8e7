"""Bad input of every kind is a 4xx in the one error shape, never a 500."""

import json
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.conftest import assert_error, batch_body, sign_up
from tests.support.server import RunningServer

pytestmark = pytest.mark.e2e


@pytest.fixture
def producer(client: httpx.Client) -> dict[str, str]:
    return sign_up(client)


def post_raw(client: httpx.Client, path: str, content: bytes, headers: dict[str, str]) -> Any:
    return client.post(
        path, content=content, headers={"Content-Type": "application/json", **headers}
    )


def test_malformed_json_is_a_bad_request(client: httpx.Client, producer: dict[str, str]) -> None:
    assert_error(post_raw(client, "/batches", b'{"product": ', producer), 400, "bad_request")


def test_a_body_that_is_not_json_is_unsupported(
    client: httpx.Client, producer: dict[str, str]
) -> None:
    response = client.post("/batches", content=b"product=avocado", headers=producer)
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity": 12.5}, "quantity"),
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "-3"}, "quantity"),
        ({"harvest_date": "2026-13-01"}, "harvest_date"),
        ({"unit": "bushel"}, "unit"),
        ({"origin": {"farm": "F", "country": "XX"}}, "origin.country"),
        ({"code": "lower-case"}, "code"),
        ({"colour": "green"}, "colour"),
        ({"product": ["avocado"]}, "product"),
    ],
)
def test_schema_violations_name_the_field(
    client: httpx.Client, producer: dict[str, str], overrides: dict[str, Any], field: str
) -> None:
    response = client.post("/batches", json=batch_body(**overrides), headers=producer)
    error = assert_error(response, 422, "validation_error")
    assert field in {d["field"] for d in error["details"]}


def test_an_oversized_body_is_refused(client: httpx.Client, producer: dict[str, str]) -> None:
    big = b'{"product": "' + b"a" * (256 * 1024) + b'"}'
    assert_error(post_raw(client, "/batches", big, producer), 413, "payload_too_large")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/batches/not-a-uuid", {}),
        ("/batches", {"cursor": "garbage"}),
        ("/batches", {"limit": "1000"}),
        ("/batches", {"limit": "ten"}),
        ("/batches", {"status": "lost"}),
        ("/batches", {"created_from": "yesterday"}),
        ("/batches", {"created_from": "2026-02-01", "created_to": "2026-01-01"}),
    ],
)
def test_bad_ids_cursors_and_query_parameters_are_bad_requests(
    client: httpx.Client, producer: dict[str, str], path: str, params: dict[str, str]
) -> None:
    assert_error(client.get(path, params=params, headers=producer), 400, "bad_request")


def test_an_unknown_batch_is_not_found(client: httpx.Client, producer: dict[str, str]) -> None:
    response = client.get("/batches/00000000-0000-4000-8000-000000000000", headers=producer)
    assert_error(response, 404, "not_found")


def test_unknown_routes_and_methods_answer_in_the_error_shape(client: httpx.Client) -> None:
    assert_error(client.get("/no-such-thing"), 404, "not_found")
    response = client.delete("/batches")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
    assert "POST" in response.headers["Allow"]


def test_a_transaction_hash_must_look_like_one(
    client: httpx.Client, producer: dict[str, str]
) -> None:
    batch = client.post("/batches", json=batch_body(), headers=producer).json()
    body = {"tx_hash": "0x1234", "network": "polygon-amoy", "event_type": "shipped"}
    response = client.post(f"/batches/{batch['id']}/transactions", json=body, headers=producer)
    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] == "tx_hash"


def send_raw(server: RunningServer, head: bytes) -> tuple[int, dict[str, str], bytes]:
    """One request written byte for byte, as no HTTP client library would write it."""
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head_bytes, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head_bytes.decode("latin-1").split("\r\n")
    headers = {n.strip().lower(): v.strip() for n, v in (line.split(":", 1) for line in lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(
    "header",
    [
        b"Content-Length: 2\r\nTransfer-Encoding: chunked",  # the smuggling shape
        b"X-Note: a\x00b",  # NUL in a value
        b"User-Agent: agent\x00",
        b"X Note: value",  # whitespace inside a field name
        b"X-Note : value",  # whitespace before the colon
        b"X-Note\t: value",
        b"Accept: */*\r\n X-Folded: value",  # a line folded onto the previous one
        b": value",  # no name at all
    ],
    ids=["cl-and-te", "nul", "nul-in-user-agent", "space-in-name", "space-before-colon",
         "tab-before-colon", "obs-fold", "empty-name"],
)  # fmt: skip
def test_a_header_rfc_9112_forbids_is_a_bad_request_in_the_error_shape(
    server: RunningServer, header: bytes
) -> None:
    head = b"GET /api/v1/health HTTP/1.1\r\nHost: test\r\n" + header
    status, headers, body = send_raw(server, head + b"\r\nConnection: close\r\n\r\n")

    assert status == 400, body
    assert headers["content-type"].startswith("application/json")
    error = json.loads(body)["error"]
    assert error["code"] == "bad_request"
    assert error["request_id"] == headers["x-request-id"]


def test_tabs_and_spaces_around_a_header_value_are_still_fine(server: RunningServer) -> None:
    head = b"GET /api/v1/health HTTP/1.1\r\nHost: test\r\nX-Note: \t a b\t \r\n"
    status, _, body = send_raw(server, head + b"Connection: close\r\n\r\n")
    assert status == 200, body
