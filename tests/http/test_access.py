"""Each route declares who may call it, beside its handler; the guard reads that declaration and
the OpenAPI document shows the same one."""

from types import SimpleNamespace
from typing import Any, cast

import pytest
from sanic_routing import Route

from api.domain.users import Role
from api.presentation.access import Access, declared_access
from api.presentation.guard import route_access, route_scope
from api.presentation.openapi import UNDOCUMENTED, template
from api.presentation.schemas.operations import declared
from tests.http.harness import CLIENT_IP, bearer

# Who may call what: the public contract (docs/API.md), one row per route.
EXPECTED = {
    "/api/v1/health": Access.UNGUARDED,
    "/api/v1/health/ready": Access.UNGUARDED,
    "/.well-known/jwks.json": Access.UNGUARDED,
    "/docs": Access.UNGUARDED,
    "/docs/openapi.json": Access.UNGUARDED,
    "/metrics": Access.OPEN,
    "/api/v1/auth/register": Access.SIGN_IN,
    "/api/v1/auth/login": Access.SIGN_IN,
    "/api/v1/auth/refresh": Access.SIGN_IN,
    "/api/v1/auth/me": Access.ACCOUNT,
    "/api/v1/auth/password": Access.ACCOUNT,
    "/api/v1/auth/logout": Access.ACCOUNT,
    "/api/v1/auth/logout-all": Access.ACCOUNT,
    "/api/v1/auth/sessions": Access.ACCOUNT,
    "/api/v1/auth/sessions/{session_id}": Access.ACCOUNT,
    "/api/v1/auth/switch": Access.ACCOUNT,
    "/api/v1/auth/token": Access.CLIENT_CREDENTIALS,
    "/api/v1/public/batches/{code}": Access.PUBLIC,
    "/api/v1/public/batches/{code}/qr.svg": Access.PUBLIC,
    "/api/v1/public/batches/{code}/qr.png": Access.PUBLIC,
    "/api/v1/public/batches/{code}/epcis": Access.PUBLIC,
    "/verify/{code}": Access.PUBLIC,
    "/01/{gtin}/10/{lot}": Access.PUBLIC,
}


# The scope a machine client needs, per operation (docs/security.md, "Machine clients"); every
# other route is for people only.
SCOPED = {
    ("GET", "/api/v1/batches"): "batches:read",
    ("GET", "/api/v1/batches/{batch_id}"): "batches:read",
    ("GET", "/api/v1/batches/{batch_id}/lineage"): "batches:read",
    ("POST", "/api/v1/batches"): "batches:write",
    ("POST", "/api/v1/batches/{batch_id}/split"): "batches:write",
    ("POST", "/api/v1/batches/{batch_id}/publish"): "batches:write",
    ("POST", "/api/v1/batches/{batch_id}/status"): "custody:write",
    ("GET", "/api/v1/batches/{batch_id}/events"): "events:read",
    ("GET", "/api/v1/batches/{batch_id}/epcis"): "events:read",
    ("GET", "/api/v1/epcis/events"): "events:read",
    ("GET", "/api/v1/epcis/events/{event_id}"): "events:read",
    ("GET", "/api/v1/batches/{batch_id}/transactions"): "events:read",
    ("POST", "/api/v1/epcis/capture"): "events:capture",
    ("GET", "/api/v1/epcis/capture/{capture_id}"): "events:capture",
    ("GET", "/api/v1/fsma204/records"): "events:read",
    ("POST", "/api/v1/batches/{batch_id}/transactions"): "transactions:write",
    ("GET", "/api/v1/organisations/{organisation_id}/locations"): "locations:read",
    ("GET", "/api/v1/organisations/{organisation_id}/locations/{location_id}"): "locations:read",
    ("POST", "/api/v1/organisations/{organisation_id}/locations"): "locations:write",
    (
        "PATCH",
        "/api/v1/organisations/{organisation_id}/locations/{location_id}",
    ): "locations:write",
    (
        "POST",
        "/api/v1/organisations/{organisation_id}/locations/{location_id}/archive",
    ): "locations:write",
}


def served_routes(app) -> list[Any]:
    """Every route a client can reach, but the OPTIONS answers sanic-ext adds for CORS."""
    return [
        route
        for route in app.router.routes
        if not getattr(route.handler, "__auto_handler__", False) or "OPTIONS" not in route.methods
    ]


def test_every_route_declares_who_may_call_it(app):
    undeclared = [
        route.path for route in served_routes(app) if declared_access(route.handler) is None
    ]

    assert undeclared == []


def test_routes_have_the_access_the_contract_gives_them(app):
    found = {template(route.path): route_access(route) for route in served_routes(app)}

    for path, kind in EXPECTED.items():
        assert found.pop(path) is kind, path
    # Everything else is the API proper: a token is needed.
    assert set(found.values()) == {Access.BEARER}


def test_the_document_and_the_guard_read_the_same_declaration(app):
    for route in served_routes(app):
        op = declared(route.handler)
        if template(route.path) not in UNDOCUMENTED:
            assert op is not None, route.path
            assert route_access(route) is op.access, route.path


def test_machine_clients_reach_only_the_routes_given_a_scope(app):
    found = {
        (method, template(route.path)): route_scope(route)
        for route in served_routes(app)
        for method in route.methods
        if method != "HEAD"
    }

    assert {key: scope for key, scope in found.items() if scope is not None} == SCOPED


def test_a_route_that_declares_nothing_needs_a_token():
    async def handler(request):
        raise AssertionError("not called")

    route = cast(Route, SimpleNamespace(ctx=SimpleNamespace(), handler=handler))

    assert route_access(route) is Access.BEARER


async def test_a_head_request_has_the_access_of_its_get(api, fakes):
    health = await api.head("/api/v1/health/")
    batches = await api.head("/api/v1/batches")

    assert health.status_code == 200
    assert batches.status_code == 401
    assert [c.bucket for c in fakes.guard.checks] == [f"ip:{CLIENT_IP}"]


async def test_a_caller_without_a_token_is_refused_before_the_input_is_read(api, fakes):
    events = await api.get("/api/v1/batches/not-a-uuid/events")
    body = await api.post(
        "/api/v1/batches", content=b"{not json", headers={"Content-Type": "application/json"}
    )

    assert events.status_code == body.status_code == 401


async def test_a_handler_runs_only_once_its_route_lets_the_caller_in(api, fakes):
    called = []

    async def get(batch_id):
        called.append(batch_id)

    fakes.batches.get = get
    revoked = await fakes.user(Role.PRODUCER)
    token = fakes.token(revoked)
    fakes.revocations.tokens.add(fakes.tokens.verify(token).token_id)

    response = await api.get(
        "/api/v1/batches/00000000-0000-4000-8000-000000000000", headers=bearer(token)
    )

    assert response.status_code == 401
    assert called == []


@pytest.mark.parametrize("path", ["/api/v1/auth/nothing", "/api/v1/nothing", "/metrics"])
async def test_routes_that_read_a_token_without_needing_one_never_refuse_for_it(api, fakes, path):
    response = await api.get(path, headers=bearer("not-a-token"))

    assert response.status_code == 404
    assert [c.bucket for c in fakes.guard.checks] == [f"ip:{CLIENT_IP}"]
    assert [e.action for e in fakes.audit.of("auth.token.rejected")] == ["auth.token.rejected"]
