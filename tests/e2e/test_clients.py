"""Machine clients against the running server: an organisation's owner registers a system,
which trades its credentials for a token that reaches only what its scopes allow; rotation,
revocation, signed assertions, who may manage clients, and the trail they leave."""

import base64
import time
import uuid
from typing import Any
from urllib.parse import quote

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from tests.e2e.conftest import PASSWORD, PUBLIC_BASE_URL, assert_error, batch_body, sign_up
from tests.support.server import RunningServer
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
PUBLIC_TOKEN_URL = PUBLIC_BASE_URL + "/api/v1/auth/token"


def organisation_of(client: httpx.Client, auth: dict[str, str]) -> str:
    found: str = client.get("/auth/me", headers=auth).json()["organisation_id"]
    return found


def register_client(
    client: httpx.Client, owner: dict[str, str], scopes: list[str], **fields: Any
) -> dict[str, Any]:
    org = organisation_of(client, owner)
    body = {"name": f"scanner-{uuid.uuid4().hex[:6]}", "scopes": scopes}
    body |= {"auth_method": "client_secret_basic"} | fields
    response = client.post(f"/organisations/{org}/clients", json=body, headers=owner)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def basic(client_id: str, secret: str) -> dict[str, str]:
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def ask_token(client: httpx.Client, client_id: str, secret: str) -> httpx.Response:
    return client.post(
        "/auth/token",
        content=b"grant_type=client_credentials",
        headers=FORM | basic(client_id, secret),
    )


def client_auth(client: httpx.Client, client_id: str, secret: str) -> dict[str, str]:
    response = ask_token(client, client_id, secret)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_a_client_reads_its_organisations_batches_and_nothing_else(client: httpx.Client) -> None:
    owner, stranger = sign_up(client), sign_up(client)
    mine = client.post("/batches", json=batch_body(), headers=owner).json()["id"]
    theirs = client.post("/batches", json=batch_body(), headers=stranger).json()["id"]
    made = register_client(client, owner, ["batches:read"])
    reader = client_auth(client, made["client_id"], made["client_secret"])

    assert client.get(f"/batches/{mine}", headers=reader).status_code == 200
    listed = client.get("/batches", headers=reader).json()["data"]
    assert [b["id"] for b in listed] == [mine]
    assert_error(client.get(f"/batches/{theirs}", headers=reader), 404, "not_found")
    refused = assert_error(
        client.post("/batches", json=batch_body(), headers=reader), 403, "forbidden"
    )
    assert "batches:write" in refused["message"]
    assert_error(client.get("/auth/sessions", headers=reader), 403, "forbidden")


def test_rotation_keeps_two_secrets_working_and_the_third_retires_the_oldest(
    client: httpx.Client,
) -> None:
    owner = sign_up(client)
    made = register_client(client, owner, ["batches:read"])
    client_id, first = made["client_id"], made["client_secret"]
    secrets_path = f"/organisations/{made['organisation_id']}/clients/{client_id}/secrets"

    second = client.post(secrets_path, headers=owner).json()
    assert second["retired_secret_id"] is None
    for secret in (first, second["client_secret"]):
        assert ask_token(client, client_id, secret).status_code == 200

    third = client.post(secrets_path, headers=owner).json()

    assert third["retired_secret_id"] == made["secrets"][0]["id"]
    refused = ask_token(client, client_id, first)
    assert_error(refused, 401, "invalid_client")
    assert refused.headers["WWW-Authenticate"] == 'Basic realm="agrobridge"'
    for secret in (second["client_secret"], third["client_secret"]):
        assert ask_token(client, client_id, secret).status_code == 200
    listed = client.get(secrets_path.removesuffix("/secrets"), headers=owner).json()
    assert [s["id"] for s in listed["secrets"]] == [second["id"], third["id"]]


def test_a_revoked_client_is_shut_out_at_once(client: httpx.Client) -> None:
    owner = sign_up(client)
    made = register_client(client, owner, ["batches:read"])
    reader = client_auth(client, made["client_id"], made["client_secret"])
    assert client.get("/batches", headers=reader).status_code == 200

    path = f"/organisations/{made['organisation_id']}/clients/{made['client_id']}/revoke"
    revoked = client.post(path, headers=owner)

    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    assert_error(client.get("/batches", headers=reader), 401, "unauthorized")
    refused = ask_token(client, made["client_id"], made["client_secret"])
    wrong = ask_token(client, made["client_id"], made["client_secret"] + "x")
    unknown = ask_token(client, str(uuid.uuid4()), made["client_secret"])
    # The same answer whichever it was.
    messages = {
        assert_error(r, 401, "invalid_client")["message"] for r in (refused, wrong, unknown)
    }
    assert len(messages) == 1


def signed_assertion(key: ec.EllipticCurvePrivateKey, client_id: str, audience: str) -> str:
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": audience, "iat": now, "exp": now + 60,
              "jti": uuid.uuid4().hex}  # fmt: skip
    return jwt.encode(claims, key, algorithm="ES256")


def assertion_form(assertion: str, client_id: str | None = None) -> bytes:
    form = f"grant_type=client_credentials&client_assertion_type={quote(ASSERTION_TYPE)}"
    form += f"&client_assertion={assertion}"
    return (form + (f"&client_id={client_id}" if client_id else "")).encode()


def test_a_client_signing_with_its_key_gets_a_token_once_per_assertion(
    client: httpx.Client, server: RunningServer
) -> None:
    owner = sign_up(client)
    key = ec.generate_private_key(ec.SECP256R1())  # made here: no key lives in the repository
    jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    made = register_client(
        client, owner, ["batches:read"], auth_method="private_key_jwt", public_key=jwk
    )
    assert "client_secret" not in made
    assertion = signed_assertion(key, made["client_id"], PUBLIC_TOKEN_URL)

    issued = client.post("/auth/token", content=assertion_form(assertion), headers=FORM)

    assert issued.status_code == 200, issued.text
    reader = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    assert client.get("/batches", headers=reader).status_code == 200
    replayed = client.post("/auth/token", content=assertion_form(assertion), headers=FORM)
    assert_error(replayed, 401, "invalid_client")
    # Addressed to the endpoint as this request names it, with the client id alongside.
    own_url = server.url + "/api/v1/auth/token"
    another = signed_assertion(key, made["client_id"], own_url)
    again = client.post(
        "/auth/token", content=assertion_form(another, made["client_id"]), headers=FORM
    )
    assert again.status_code == 200, again.text


def invite(client: httpx.Client, owner: dict[str, str], org: str, role: str) -> dict[str, str]:
    """A new person who joins the owner's organisation with this role, acting for it."""
    email = f"member-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD, "full_name": "Bo Member", "role": "producer"}
    assert client.post("/auth/register", json=body).status_code == 201
    login = client.post("/auth/login", json={"email": email, "password": PASSWORD}).json()
    member = {"Authorization": f"Bearer {login['access_token']}"}
    invitation = client.post(
        f"/organisations/{org}/invitations", json={"email": email, "role": role}, headers=owner
    )
    assert invitation.status_code == 201, invitation.text
    accepted = client.post(
        "/invitations/accept", json={"token": invitation.json()["token"]}, headers=member
    )
    assert accepted.status_code == 200, accepted.text
    switched = client.post("/auth/switch", json={"organisation_id": org}, headers=member)
    assert switched.status_code == 200, switched.text
    return {"Authorization": f"Bearer {switched.json()['access_token']}"}


def test_only_the_organisations_owners_manage_its_clients(client: httpx.Client) -> None:
    owner, other_owner = sign_up(client), sign_up(client)
    org = organisation_of(client, owner)
    made = register_client(client, owner, ["batches:read"])
    manager = invite(client, owner, org, "manager")
    body = {"name": "mine-now", "scopes": ["batches:read"], "auth_method": "client_secret_basic"}

    assert_error(
        client.post(f"/organisations/{org}/clients", json=body, headers=manager), 403, "forbidden"
    )
    assert_error(client.get(f"/organisations/{org}/clients", headers=manager), 403, "forbidden")
    # Another organisation's owner: neither the organisation nor its client exists for them.
    other_org = organisation_of(client, other_owner)
    for path in (
        f"/organisations/{org}/clients",
        f"/organisations/{org}/clients/{made['client_id']}",
        f"/organisations/{other_org}/clients/{made['client_id']}",
    ):
        assert_error(client.get(path, headers=other_owner), 404, "not_found")
    revoke = f"/organisations/{other_org}/clients/{made['client_id']}/revoke"
    assert_error(client.post(revoke, headers=other_owner), 404, "not_found")
    assert ask_token(client, made["client_id"], made["client_secret"]).status_code == 200


def test_the_audit_trail_names_the_client_behind_its_writes(
    client: httpx.Client, auditor: dict[str, str]
) -> None:
    owner = sign_up(client)
    made = register_client(client, owner, ["batches:read", "batches:write"])
    writer = client_auth(client, made["client_id"], made["client_secret"])

    created = client.post("/batches", json=batch_body(), headers=writer)

    assert created.status_code == 201, created.text
    trail = client.get(
        "/audit-logs", params={"actor_id": made["client_id"]}, headers=auditor
    ).json()["data"]
    by_action = {entry["action"]: entry for entry in trail}
    assert {"batch.created", "client.token.issued"} <= set(by_action)
    entry = by_action["batch.created"]
    assert entry["target_id"] == created.json()["id"]
    assert entry["client_name"] == made["name"]
    made_by_owner = client.get(
        "/audit-logs", params={"target_id": made["client_id"], "action": "client.created"},
        headers=auditor,
    ).json()["data"]  # fmt: skip
    assert [e["actor_id"] for e in made_by_owner] == [made["created_by"]]


def test_no_secret_or_token_reaches_the_log(client: httpx.Client, server: RunningServer) -> None:
    owner = sign_up(client)
    made = register_client(client, owner, ["batches:read"])
    secret = made["client_secret"]
    token = client_auth(client, made["client_id"], secret)["Authorization"].split()[1]
    client.get("/batches", headers={"Authorization": f"Bearer {token}"})
    refused = ask_token(client, made["client_id"], secret + "x")
    assert refused.status_code == 401

    # The refusal's access line is there; the credentials are not.
    rid = refused.headers["X-Request-ID"]
    assert wait_until(lambda: rid in server.log_text())
    log = server.log_text()
    for value in (secret, token, secret + "x"):
        assert value not in log


def test_a_clients_location_scopes_reach_its_own_organisations_sites_only(
    client: httpx.Client,
) -> None:
    owner, stranger = sign_up(client), sign_up(client)
    org, other = organisation_of(client, owner), organisation_of(client, stranger)
    site = {"name": "Packhouse 1", "kind": "packhouse", "country": "MX"}
    theirs = client.post(f"/organisations/{other}/locations", json=site, headers=stranger).json()
    reader_made = register_client(client, owner, ["locations:read"])
    reader = client_auth(client, reader_made["client_id"], reader_made["client_secret"])
    writer_made = register_client(client, owner, ["locations:read", "locations:write"])
    writer = client_auth(client, writer_made["client_id"], writer_made["client_secret"])

    made = client.post(f"/organisations/{org}/locations", json=site, headers=writer)
    assert made.status_code == 201, made.text
    listed = client.get(f"/organisations/{org}/locations", headers=reader).json()["data"]
    assert [x["id"] for x in listed] == [made.json()["id"]]
    refused = assert_error(
        client.post(f"/organisations/{org}/locations", json=site, headers=reader), 403, "forbidden"
    )
    assert "locations:write" in refused["message"]
    for response in (
        client.get(f"/organisations/{other}/locations", headers=writer),
        client.get(f"/organisations/{other}/locations/{theirs['id']}", headers=writer),
        client.get(f"/organisations/{org}/locations/{theirs['id']}", headers=writer),
        client.post(f"/organisations/{other}/locations", json=site, headers=writer),
    ):
        assert_error(response, 404, "not_found")


def test_another_organisations_batch_does_not_exist_for_a_client_on_any_route(
    client: httpx.Client,
) -> None:
    owner, stranger = sign_up(client), sign_up(client)
    theirs = client.post("/batches", json=batch_body(), headers=stranger).json()["id"]
    every = ["batches:read", "batches:write", "custody:write", "events:read", "transactions:write"]
    made = register_client(client, owner, every)
    robot = client_auth(client, made["client_id"], made["client_secret"])
    tx = {
        "tx_hash": "0x" + uuid.uuid4().hex * 2,
        "network": "polygon-amoy",
        "event_type": "shipped",
    }
    for response in (
        client.get(f"/batches/{theirs}", headers=robot),
        client.post(f"/batches/{theirs}/status", json={"status": "cancelled"}, headers=robot),
        client.post(f"/batches/{theirs}/publish", headers=robot),
        client.post(
            f"/batches/{theirs}/split",
            json={"parts": [{"quantity": "1000"}, {"quantity": "250.5"}]},
            headers=robot,
        ),
        client.get(f"/batches/{theirs}/lineage", headers=robot),
        client.get(f"/batches/{theirs}/events", headers=robot),
        client.get(f"/batches/{theirs}/epcis", params={"lineage": "true"}, headers=robot),
        client.get(f"/batches/{theirs}/transactions", headers=robot),
        client.post(f"/batches/{theirs}/transactions", json=tx, headers=robot),
    ):
        assert_error(response, 404, "not_found")
    assert client.get(f"/batches/{theirs}", headers=stranger).json()["status"] == "registered"
