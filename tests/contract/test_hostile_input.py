"""Input a fuzzer finds first: NUL and control characters, invalid UTF-8 in bodies, queries
and headers, dates at the edges of the calendar, non-ASCII digits, forged cursors and tokens.
Each is a 4xx in the one error shape (or, where it is valid, an answer), never a 500."""

import base64
import json
import socket
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest

from api.infrastructure.security.keys import load_key_ring
from tests.contract.conftest import new_account
from tests.e2e.conftest import assert_error, batch_body
from tests.support.server import RunningServer


@pytest.fixture(scope="module")
def api(contract_server: RunningServer) -> Any:
    with httpx.Client(base_url=contract_server.url + "/api/v1", timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def producer(contract_server: RunningServer, api: httpx.Client) -> dict[str, str]:
    email, password = new_account(contract_server.url)
    tokens = api.post("/auth/login", json={"email": email, "password": password}).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/auth/register", {"email": "nul\u0000@example.com", "full_name": "A"}, "email"),
        ("/auth/register", {"email": "ok@example.com", "full_name": "A\u0000"}, "full_name"),
        ("/auth/register", {"email": "ok@example.com", "full_name": "A\u0007"}, "full_name"),
        ("/auth/login", {"email": "nul\u0000@example.com"}, "email"),
    ],
)
def test_nul_and_control_characters_in_anonymous_bodies_are_refused(
    api: httpx.Client, path: str, body: dict[str, str], field: str
) -> None:
    response = api.post(path, json={"password": "a long passphrase", **body})
    error = assert_error(response, 422, "validation_error")
    assert [d["field"] for d in error["details"]] == [field]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"product": "avo\u0000cado"}, "product"),
        ({"variety": "\u001b[31m"}, "variety"),
        ({"origin": {"farm": "F\u0085", "country": "MX"}}, "origin.farm"),
        ({"product": "   "}, "product"),
        ({"harvest_date": "0001-01-01"}, "harvest_date"),
        ({"harvest_date": "9999-12-31"}, "harvest_date"),
        ({"harvest_date": "20261002"}, "harvest_date"),
        ({"quantity": "\u0661\u0662"}, "quantity"),  # Arabic-Indic "12"
        ({"quantity": "0.000"}, "quantity"),
        ({"origin": {"farm": "F", "country": " MX"}}, "origin.country"),
    ],
)
def test_bad_batch_fields_are_refused_before_the_database(
    api: httpx.Client, producer: dict[str, str], overrides: dict[str, Any], field: str
) -> None:
    response = api.post("/batches", json=batch_body(**overrides), headers=producer)
    error = assert_error(response, 422, "validation_error")
    assert field in {d["field"] for d in error["details"]}


def test_edge_dates_and_whole_floats_that_the_document_allows_are_accepted(
    api: httpx.Client, producer: dict[str, str]
) -> None:
    for day in ("1900-01-01", "2100-12-31"):
        body = batch_body(harvest_date=day, product="  spaced  ", quantity="0.001")
        made = api.post("/batches", json=body, headers=producer)
        assert made.status_code == 201, made.text
        assert made.json()["product"] == "spaced"
    made = api.post("/batches", json=batch_body(), headers=producer).json()
    tx = {"tx_hash": "0x" + "ab" * 32, "network": "polygon-amoy", "event_type": "shipped"}
    recorded = api.post(
        f"/batches/{made['id']}/transactions", json={**tx, "block_number": 42.0}, headers=producer
    )
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["block_number"] == 42


@pytest.mark.parametrize(
    "params",
    [
        {"created_to": "9999-12-31"},
        {"created_from": "0001-01-01", "created_to": "9999-12-31"},
    ],
)
def test_filters_at_the_ends_of_the_calendar_answer(
    api: httpx.Client, producer: dict[str, str], params: dict[str, str]
) -> None:
    assert api.get("/batches", params=params, headers=producer).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "product=%00",
        "product=a%1bb",
        "product=%ff",
        "product=",
        "created_to=10000-01-01",
        "status=in_transit%00",
        "limit=%d9%a1",
    ],
)
def test_bad_query_strings_are_a_bad_request(
    api: httpx.Client, producer: dict[str, str], query: str
) -> None:
    assert_error(api.get("/batches?" + query, headers=producer), 400, "bad_request")


def cursor(created_at: str, id_: str) -> str:
    raw = json.dumps([created_at, id_]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "forged",
    [
        cursor("0001-01-01T00:00:00+14:00", str(uuid.uuid4())),
        cursor("9999-12-31T23:59:59-14:00", str(uuid.uuid4())),
        cursor("2026-01-01T00:00:00+00:00", "not-a-uuid"),
        base64.urlsafe_b64encode(b'{"a": 1, "b": 2}').decode().rstrip("="),
    ],
)
def test_a_forged_cursor_is_a_bad_request(
    api: httpx.Client, producer: dict[str, str], forged: str
) -> None:
    response = api.get("/batches", params={"cursor": forged}, headers=producer)
    assert_error(response, 400, "bad_request")


def test_audit_filters_at_the_ends_of_the_calendar_answer(
    api: httpx.Client, contract_server: RunningServer
) -> None:
    # A producer is refused with 403 after validation: reaching 403 means no 500 on the way.
    email, password = new_account(contract_server.url)
    token = api.post("/auth/login", json={"email": email, "password": password}).json()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    edges = {"from": "0001-01-01T00:00:00+01:00", "to": "9999-12-31T23:59:59-01:00"}
    assert_error(api.get("/audit-logs", params=edges, headers=auth), 403, "forbidden")
    bad = {"from": "1700000000"}
    assert_error(api.get("/audit-logs", params=bad, headers=auth), 400, "bad_request")


def raw_request(url: str, head: bytes) -> bytes:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_user_agent_that_is_not_utf8_is_refused_not_stored(
    contract_server: RunningServer,
) -> None:
    body = json.dumps({"email": f"ua-{uuid.uuid4().hex[:8]}@example.com", "password": "x" * 12})
    head = (
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: test\r\nUser-Agent: agent-\xff\xfe\r\n"
        b"Content-Type: application/json\r\nConnection: close\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n{body}".encode()
    )
    answer = raw_request(contract_server.url, head)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == b"400", answer[:400]
    assert b'"bad_request"' in rest


def forged_token(signing_key: Path, **claims: Any) -> str:
    ring = load_key_ring(signing_key)
    now = int(time.time())
    payload = {
        "iss": "agrobridge",
        "aud": "agrobridge-api",
        "sub": str(uuid.uuid4()),
        "exp": now + 600,
        "nbf": now,
        "iat": now,
        "jti": uuid.uuid4().hex,
        "sid": str(uuid.uuid4()),
        "typ": "access",
        "role": "producer",
        **claims,
    }
    return jwt.encode(payload, ring.signing_key, "RS256", headers={"kid": ring.signing_kid})


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": str(int(time.time()) + 600)},
        {"exp": 10**20},
        {"sid": 12345},
        {"sub": ["not", "a", "uuid"]},
        {"jti": {"a": 1}},
        {"role": "emperor"},
        {"org": "not-a-uuid"},
        {"org": 42},
    ],
)
def test_a_signed_token_with_malformed_claims_is_unauthorized(
    api: httpx.Client, signing_key: Path, claims: dict[str, Any]
) -> None:
    token = forged_token(signing_key, **claims)
    response = api.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert_error(response, 401, "unauthorized")


# A valid GLN written in Arabic-Indic digits: `\d` would take it, the document does not.
ARABIC_INDIC_GLN = "".join(chr(0x0660 + int(d)) for d in "4006381333931")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/organisations", {"name": "Co\u0000op"}, "name"),
        ("/organisations", {"name": "\u001b[2J"}, "name"),
        ("/organisations", {"gln": "4006381333932"}, "gln"),  # check digit off by one
        (
            "/organisations",
            {"gln": ARABIC_INDIC_GLN},
            "gln",
        ),
        ("/organisations", {"phone": "+1 555\r\nBcc: x@example.com"}, "phone"),
        ("/organisations", {"activities": []}, "activities"),
        ("/organisations", {"activities": ["retailer"]}, "activities.0"),
        ("/organisations", {"country": "XX"}, "country"),
        ("/invitations/accept", {"token": "a\u0000b"}, "token"),
        ("/auth/switch", {"organisation_id": "1; DROP TABLE organisations"}, "organisation_id"),
    ],
)
def test_bad_organisation_input_is_refused(
    api: httpx.Client, producer: dict[str, str], path: str, body: dict[str, Any], field: str
) -> None:
    base = {"name": "Finca", "country": "MX", "activities": ["producer"]}
    sent = base | body if path == "/organisations" else body
    error = assert_error(api.post(path, json=sent, headers=producer), 422, "validation_error")
    assert [d["field"] for d in error["details"]] == [field]


@pytest.mark.parametrize(
    "path",
    [
        "/organisations/not-an-id",
        "/organisations/%00/members",
        "/organisations/00000000-0000-0000-0000-00000000000g/invitations",
    ],
)
def test_malformed_organisation_ids_are_a_bad_request(
    api: httpx.Client, producer: dict[str, str], path: str
) -> None:
    assert_error(api.get(path, headers=producer), 400, "bad_request")


def test_an_invitation_to_a_malformed_email_is_refused(
    api: httpx.Client, producer: dict[str, str]
) -> None:
    org = api.post(
        "/organisations",
        json={"name": "Finca", "country": "MX", "activities": ["producer"]},
        headers=producer,
    ).json()
    for email in ("no-at-sign", "a@b\r\nBcc: x@example.com", "\u0000@example.com"):
        response = api.post(
            f"/organisations/{org['id']}/invitations",
            json={"email": email, "role": "viewer"},
            headers=producer,
        )
        error = assert_error(response, 422, "validation_error")
        assert [d["field"] for d in error["details"]] == ["email"]
