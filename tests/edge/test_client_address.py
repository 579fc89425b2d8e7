"""The API records the address nginx saw, whatever a client claims in forwarding headers.

Clients connect from 127.0.0.2 while nginx reaches the API from 127.0.0.1, so the address in
the audit log can only be right if it came from nginx's X-Forwarded-For.
"""

import uuid

import httpx
import pytest

from tests.e2e.conftest import PASSWORD
from tests.edge.curl import Curl
from tests.support.server import RunningServer

pytestmark = pytest.mark.e2e

CLIENT = "127.0.0.2"
SPOOFED = {
    "X-Forwarded-For": "203.0.113.7",
    "Forwarded": "for=203.0.113.8;secret=guess",
    "X-Real-IP": "203.0.113.9",
}


@pytest.mark.parametrize("claims", [{}, SPOOFED], ids=["plain", "spoofed"])
def test_the_audit_log_records_the_clients_real_address(
    edge: Curl, server: RunningServer, auditor: dict[str, str], claims: dict[str, str]
) -> None:
    request_id = f"edge-{uuid.uuid4().hex}"
    body = f'{{"email": "edge-{uuid.uuid4().hex[:10]}@example.com", "password": "{PASSWORD}",'
    body += ' "full_name": "Edge Client"}'
    headers = {"Content-Type": "application/json", "X-Request-ID": request_id, **claims}
    url = edge.https("/api/v1/auth/register")
    registered = edge.request("POST", url, headers=headers, body=body.encode(), source=CLIENT)
    assert registered.status == 201, registered.body

    query = {"action": "auth.registered", "target_id": registered.json()["id"]}
    entries = httpx.get(
        server.url + "/api/v1/audit-logs", params=query, headers=auditor, timeout=10
    ).json()["data"]
    assert [(e["ip"], e["client_request_id"]) for e in entries] == [(CLIENT, request_id)]
