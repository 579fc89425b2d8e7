"""Machine clients through the app: the token endpoint's wire format and errors, the guard's
scope check and rate bucket for a client's token, and the routes owners manage clients with."""

import base64
import uuid
from typing import Any
from urllib.parse import quote

import pytest

from api.domain.clients import AuthMethod, NewClient
from api.domain.users import Actor, Role
from tests.http.harness import CLIENT_IP, bearer
from tests.support.builders import CTX, new_batch

TOKEN = "/api/v1/auth/token"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def basic_auth(client_id: str, secret: str) -> dict[str, str]:
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert error["request_id"] == response.headers["X-Request-ID"]
    return error


async def registered(fakes, scopes: set[str], role: Role = Role.PRODUCER, **options: Any):
    """An owner and a client_secret_basic client of their organisation, with its secret."""
    user = await fakes.user(role)
    owner = Actor(user.id, role)
    new = NewClient("scanner", frozenset(scopes), AuthMethod.CLIENT_SECRET_BASIC, **options)
    client, secret = await fakes.services().clients.create(owner, owner.org, new, CTX)
    assert secret is not None
    return owner, client, secret


async def client_token(api, client_id: str, secret: str) -> str:
    response = await api.post(
        TOKEN,
        content=b"grant_type=client_credentials",
        headers=FORM | basic_auth(client_id, secret),
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def test_a_client_gets_a_token_with_http_basic_and_a_form(api, fakes):
    _, client, secret = await registered(fakes, {"batches:read", "events:read"})

    response = await api.post(
        TOKEN,
        content=b"grant_type=client_credentials&scope=events%3Aread",
        headers=FORM | basic_auth(str(client.id), secret),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 900, "events:read")
    assert response.headers["Cache-Control"] == "no-store"
    # Token requests spend their address's own allowance.
    assert [(c.bucket, c.per_minute) for c in fakes.guard.checks] == [(f"token:{CLIENT_IP}", 60)]


async def test_a_token_request_may_be_json_too(api, fakes):
    _, client, secret = await registered(fakes, {"batches:read"})

    response = await api.post(
        TOKEN, json={"grant_type": "client_credentials"}, headers=basic_auth(str(client.id), secret)
    )

    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "batches:read"


@pytest.mark.parametrize(
    "credentials",
    [
        lambda cid, secret: basic_auth(cid, secret + "x"),
        lambda cid, secret: basic_auth(str(uuid.uuid4()), secret),
        lambda cid, secret: basic_auth("not-a-uuid", secret),
        lambda cid, secret: {"Authorization": "Basic !!not-base64"},
        lambda cid, secret: {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
        lambda cid, secret: {},
    ],
    ids=["wrong-secret", "unknown-client", "malformed-id", "bad-base64", "no-colon", "none"],
)
async def test_bad_client_credentials_are_a_401_that_asks_for_basic(api, fakes, credentials):
    _, client, secret = await registered(fakes, {"batches:read"})

    response = await api.post(
        TOKEN,
        content=b"grant_type=client_credentials",
        headers=FORM | credentials(str(client.id), secret),
    )

    assert_error(response, 401, "invalid_client")
    assert response.headers["WWW-Authenticate"] == 'Basic realm="agrobridge"'
    assert secret not in response.text


@pytest.mark.parametrize(
    ("body", "headers", "code"),
    [
        (b"grant_type=password", FORM, "unsupported_grant_type"),
        (b"scope=batches%3Aread", FORM, "invalid_request"),
        (b"grant_type=client_credentials&grant_type=client_credentials", FORM, "invalid_request"),
        (b"grant_type=client_credentials", {"Content-Type": "text/plain"}, "invalid_request"),
        (b'{"grant_type": 1}', {"Content-Type": "application/json"}, "invalid_request"),
        (b"{not json", {"Content-Type": "application/json"}, "invalid_request"),
        (b"grant_type=client_credentials&scope=batches%3Awrite", FORM, "invalid_scope"),
        (b"grant_type=client_credentials&scope=nonsense", FORM, "invalid_scope"),
    ],
    ids=[
        "other-grant", "no-grant", "repeated", "not-a-form", "json-number", "bad-json",
        "ungranted-scope", "unknown-scope",
    ],
)  # fmt: skip
async def test_malformed_token_requests_are_a_400_with_rfc_6749s_code(
    api, fakes, body, headers, code
):
    _, client, secret = await registered(fakes, {"batches:read"})

    response = await api.post(
        TOKEN, content=body, headers=headers | basic_auth(str(client.id), secret)
    )

    assert_error(response, 400, code)


async def test_a_secret_in_the_body_is_refused(api, fakes):
    _, client, secret = await registered(fakes, {"batches:read"})
    form = f"grant_type=client_credentials&client_id={client.id}&client_secret={secret}"

    response = await api.post(TOKEN, content=form.encode(), headers=FORM)

    error = assert_error(response, 401, "invalid_client")
    assert "client_secret_basic" in error["message"]


async def test_a_clients_token_reads_what_its_scope_allows(api, fakes):
    owner, client, secret = await registered(fakes, {"batches:read"})
    batch = await fakes.services().batches.create(owner, new_batch(), CTX)
    token = await client_token(api, str(client.id), secret)
    fakes.guard.checks.clear()

    response = await api.get(f"/api/v1/batches/{batch.id}", headers=bearer(token))

    assert response.status_code == 200, response.text
    # Its own bucket, at the default for clients.
    [check] = fakes.guard.checks
    assert (check.bucket, check.per_minute) == (f"client:{client.id}", 600)
    assert check.session_id == str(client.id)


async def test_a_clients_own_rate_limit_travels_in_its_token(api, fakes):
    _, client, secret = await registered(fakes, {"batches:read"}, rate_limit_per_minute=30)
    token = await client_token(api, str(client.id), secret)
    fakes.guard.checks.clear()

    response = await api.get("/api/v1/batches", headers=bearer(token))

    assert response.status_code == 200
    assert response.headers["RateLimit-Limit"] == "30"
    assert [c.bucket for c in fakes.guard.checks] == [f"client:{client.id}"]


@pytest.mark.parametrize(
    ("method", "path", "reason"),
    [
        ("POST", "/api/v1/batches", "lacks the scope batches:write"),
        ("GET", "/api/v1/auth/sessions", "it is for people"),
        ("GET", "/api/v1/auth/me", "it is for people"),
        ("GET", "/api/v1/organisations", "it is for people"),
    ],
)
async def test_a_client_is_refused_a_route_its_scopes_do_not_cover(
    api, fakes, method, path, reason
):
    _, client, secret = await registered(fakes, {"batches:read"})
    token = await client_token(api, str(client.id), secret)
    called = []
    fakes.batches.add = lambda *args, **kwargs: called.append(args)

    response = await api.request(method, path, headers=bearer(token), json={})

    error = assert_error(response, 403, "forbidden")
    assert reason in error["message"]
    assert called == []
    [denial] = fakes.audit.of("access.denied")
    assert denial.actor_id == client.id
    assert (denial.context.client_id, denial.context.client_name) == (client.id, "scanner")


async def test_a_revoked_clients_token_stops_working_at_once(api, fakes):
    owner, client, secret = await registered(fakes, {"batches:read"})
    token = await client_token(api, str(client.id), secret)
    assert (await api.get("/api/v1/batches", headers=bearer(token))).status_code == 200

    await fakes.services().clients.revoke(owner, owner.org, client.id, CTX)

    assert_error(await api.get("/api/v1/batches", headers=bearer(token)), 401, "unauthorized")
    refused = await api.post(
        TOKEN,
        content=b"grant_type=client_credentials",
        headers=FORM | basic_auth(str(client.id), secret),
    )
    assert_error(refused, 401, "invalid_client")


async def test_an_owner_registers_a_client_and_reads_it_without_its_secret(api, fakes):
    owner = await fakes.user(Role.PRODUCER)
    path = f"/api/v1/organisations/{owner.id}/clients"
    body = {"name": "scanner", "scopes": ["batches:read"], "auth_method": "client_secret_basic"}

    created = await api.post(path, json=body, headers=bearer(fakes.token(owner)))

    assert created.status_code == 201, created.text
    made = created.json()
    assert made["client_secret"]
    assert made["scopes"] == ["batches:read"]
    assert created.headers["Location"] == f"{path}/{made['client_id']}"
    read = await api.get(created.headers["Location"], headers=bearer(fakes.token(owner)))
    assert read.status_code == 200
    assert "client_secret" not in read.json()
    assert read.json()["secrets"] == made["secrets"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"scopes": ["batches:delete"]}, "scopes.0"),
        ({"scopes": []}, "scopes"),
        ({"auth_method": "client_secret_post"}, "auth_method"),
        ({"auth_method": "private_key_jwt"}, "public_key"),
        ({"rate_limit_per_minute": 0}, "rate_limit_per_minute"),
    ],
)
async def test_a_client_that_breaks_the_rules_is_a_422(api, fakes, changes, field):
    owner = await fakes.user(Role.PRODUCER)
    body = {"name": "scanner", "scopes": ["batches:read"], "auth_method": "client_secret_basic"}

    response = await api.post(
        f"/api/v1/organisations/{owner.id}/clients",
        json=body | changes,
        headers=bearer(fakes.token(owner)),
    )

    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] == field


async def test_a_client_cannot_manage_clients(api, fakes):
    owner, client, secret = await registered(fakes, set(_ALL_SCOPES))
    token = await client_token(api, str(client.id), secret)

    response = await api.get(f"/api/v1/organisations/{owner.org}/clients", headers=bearer(token))

    assert_error(response, 403, "forbidden")


async def test_the_document_shows_each_scope_and_the_token_endpoint(api, fakes):
    document = (await api.get("/docs/openapi.json")).json()

    schemes = document["components"]["securitySchemes"]
    flow = schemes["oauth2"]["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == TOKEN
    assert set(flow["scopes"]) == _ALL_SCOPES
    batches = document["paths"]["/api/v1/batches"]
    assert batches["post"]["security"] == [{"bearerAuth": []}, {"oauth2": ["batches:write"]}]
    sessions = document["paths"]["/api/v1/auth/sessions"]["get"]
    assert sessions["security"] == [{"bearerAuth": []}]
    token = document["paths"][TOKEN]["post"]
    assert set(token["requestBody"]["content"]) == {"application/x-www-form-urlencoded"}
    assert {"200", "400", "401", "413", "429", "503"} == set(token["responses"])


_ALL_SCOPES = {
    "batches:read",
    "batches:write",
    "custody:write",
    "events:read",
    "events:capture",
    "transactions:write",
    "locations:read",
    "locations:write",
}
