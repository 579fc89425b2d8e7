"""The routes over in-memory fakes: what a client sends and gets back, status, headers and body."""

import pytest

from api.domain.users import Role
from api.presentation.schemas.common import rfc3339
from tests.http.harness import PASSWORD, bearer

BATCH = {
    "product": "avocado",
    "variety": "Hass",
    "origin": {"farm": "La Loma", "region": "Michoacan", "country": "MX"},
    "harvest_date": "2026-10-02",
    "quantity": "1250.5",
    "unit": "kg",
}
TX = {"tx_hash": "0x" + "ab" * 32, "network": "polygon-amoy", "event_type": "registered"}


@pytest.fixture
async def producer(fakes):
    return bearer(fakes.token(await fakes.user(Role.PRODUCER)))


async def test_register_log_in_and_read_the_account(api):
    body = {"email": "Ada@Example.com", "password": PASSWORD, "full_name": "Ada L."}

    registered = await api.post("/api/v1/auth/register", json=body)
    login = await api.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    me = await api.get("/api/v1/auth/me", headers=bearer(login.json()["access_token"]))

    assert registered.status_code == 201, registered.text
    assert registered.json()["email"] == "ada@example.com"
    assert login.status_code == 200, login.text
    assert login.json()["token_type"] == "Bearer"
    assert me.json()["id"] == registered.json()["id"]
    assert me.json()["role"] == "producer"


async def test_a_wrong_password_is_a_401(api, fakes):
    await fakes.user(email="ada@example.com")

    response = await api.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": "not it at all"}
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_refresh_rotates_and_logout_ends_the_session(api, fakes):
    await fakes.user(email="ada@example.com")
    login = await api.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    pair = login.json()

    refreshed = await api.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    token = refreshed.json()["access_token"]
    sessions = await api.get("/api/v1/auth/sessions", headers=bearer(token))
    logout = await api.post("/api/v1/auth/logout", headers=bearer(token))
    after = await api.get("/api/v1/auth/me", headers=bearer(token))

    assert refreshed.status_code == 200, refreshed.text
    assert [s["current"] for s in sessions.json()["data"]] == [True]
    assert logout.status_code == 204
    assert after.status_code == 401
    assert after.json()["error"]["message"] == "access token has been revoked"


async def test_a_batch_from_creation_to_its_public_page(api, fakes, producer):
    created = await api.post("/api/v1/batches", json=BATCH, headers=producer)
    batch = created.json()
    path = f"/api/v1/batches/{batch['id']}"

    read = await api.get(path, headers=producer)
    listed = await api.get("/api/v1/batches?limit=10", headers=producer)
    tx = await api.post(f"{path}/transactions", json=TX, headers=producer)
    txs = await api.get(f"{path}/transactions", headers=producer)
    events = await api.get(f"{path}/events", headers=producer)
    private = await api.get(f"/api/v1/public/batches/{batch['public_code']}")
    published = await api.post(f"{path}/publish", headers=producer)
    public = await api.get(f"/api/v1/public/batches/{batch['public_code']}")
    page = await api.get(f"/verify/{batch['public_code']}")
    qr = await api.get(f"/api/v1/public/batches/{batch['public_code']}/qr.svg")

    assert created.status_code == 201, created.text
    assert created.headers["Location"] == path
    assert read.json() == batch
    assert [b["id"] for b in listed.json()["data"]] == [batch["id"]]
    assert tx.status_code == 201, tx.text
    assert [t["tx_hash"] for t in txs.json()["data"]] == [TX["tx_hash"]]
    assert events.json()["verification"]["valid"] is True
    assert private.status_code == 404
    assert published.json()["published_at"] == rfc3339(fakes.clock.now())
    assert public.status_code == 200, public.text
    assert public.json()["code"] == batch["code"]
    assert "owner_id" not in public.text
    assert public.headers["ETag"]
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert qr.headers["Content-Type"] == "image/svg+xml"
    assert qr.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


# The harness's list holds only "password123"; the shipped one is tested in tests/unit.
@pytest.mark.parametrize("password", ["PASSWORD123", "#password123#", "Summer2026!", "Qwerasdf1!"])
async def test_a_common_password_in_disguise_is_a_422_at_registration(api, password):
    body = {"email": "pat@example.com", "password": password, "full_name": "Pat"}

    response = await api.post("/api/v1/auth/register", json=body)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["field"] == "password"


async def test_an_email_in_cyrillic_letters_that_reads_as_an_account_is_a_409(api):
    taken = {"email": "ops@coop.com", "password": PASSWORD, "full_name": "Ops"}
    assert (await api.post("/api/v1/auth/register", json=taken)).status_code == 201
    # Cyrillic o, er and dze.
    twin = {**taken, "email": "\u043e\u0440\u0455@coop.com", "full_name": "Mallory"}

    response = await api.post("/api/v1/auth/register", json=twin)

    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "conflict"


async def test_a_current_copy_is_answered_304(api, producer):
    body = BATCH | {"publish": True}
    code = (await api.post("/api/v1/batches", json=body, headers=producer)).json()["public_code"]
    first = await api.get(f"/api/v1/public/batches/{code}")

    again = await api.get(
        f"/api/v1/public/batches/{code}", headers={"If-None-Match": first.headers["ETag"]}
    )

    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize("page", ["/api/v1/public/batches/{}", "/verify/{}"])
async def test_a_changed_chain_answers_the_old_copy_with_the_new_verdict(api, producer, page):
    body = BATCH | {"publish": True}
    created = (await api.post("/api/v1/batches", json=body, headers=producer)).json()
    path = page.format(created["public_code"])
    first = await api.get(path)
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert first.headers["X-Accel-Expires"] == "@1"

    recorded = await api.post(
        f"/api/v1/batches/{created['id']}/transactions", json=TX, headers=producer
    )
    assert recorded.status_code == 201, recorded.text
    again = await api.get(path, headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 200
    assert again.headers["ETag"] != first.headers["ETag"]
    assert again.headers["Cache-Control"] == "public, no-cache"
    if page.startswith("/verify"):
        assert "All 2 events" in again.text
    else:
        assert again.json()["verification"]["length"] == 2


async def test_a_qr_code_is_kept_for_the_configured_time(api, producer):
    body = BATCH | {"publish": True}
    code = (await api.post("/api/v1/batches", json=body, headers=producer)).json()["public_code"]

    qr = await api.get(f"/api/v1/public/batches/{code}/qr.svg")

    assert qr.headers["Cache-Control"] == "public, max-age=60"
    assert qr.headers["X-Accel-Expires"] == "60"


async def test_another_producers_batch_is_hidden_and_the_denial_audited(api, fakes, producer):
    batch = (await api.post("/api/v1/batches", json=BATCH, headers=producer)).json()
    other = bearer(fakes.token(await fakes.user(Role.PRODUCER)))

    response = await api.get(f"/api/v1/batches/{batch['id']}", headers=other)

    assert response.status_code == 404
    assert [d.target_id for d in fakes.audit.of("access.denied")] == [batch["id"]]


async def test_a_retry_with_the_same_idempotency_key_gets_the_first_answer(api, fakes, producer):
    headers = {**producer, "Idempotency-Key": "order-7"}

    first = await api.post("/api/v1/batches", json=BATCH, headers=headers)
    retry = await api.post("/api/v1/batches", json=BATCH, headers=headers)
    other_body = await api.post("/api/v1/batches", json={**BATCH, "unit": "t"}, headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert len(fakes.batches.rows) == 1
    assert other_body.status_code == 422


async def test_a_status_change_and_a_split_through_their_routes(api, producer):
    batch = (await api.post("/api/v1/batches", json=BATCH, headers=producer)).json()
    path = f"/api/v1/batches/{batch['id']}"

    split = await api.post(
        f"{path}/split",
        json={"parts": [{"quantity": "1000"}, {"quantity": "250.5"}]},
        headers=producer,
    )
    lineage = await api.get(f"{path}/lineage", headers=producer)
    status = await api.post(f"{path}/status", json={"status": "delivered"}, headers=producer)

    assert split.status_code == 201, split.text
    assert len(lineage.json()["descendants"]) == 2
    assert status.status_code == 409  # a split batch is closed
    assert status.json()["error"]["code"] == "conflict"


async def test_a_split_retried_with_its_idempotency_key_splits_once(api, fakes, producer):
    batch = (await api.post("/api/v1/batches", json=BATCH, headers=producer)).json()
    path = f"/api/v1/batches/{batch['id']}/split"
    parts = {"parts": [{"quantity": "1000"}, {"quantity": "250.5"}]}
    headers = {**producer, "Idempotency-Key": "split-after-a-timeout"}

    first = await api.post(path, json=parts, headers=headers)
    retry = await api.post(path, json=parts, headers=headers)
    other_body = await api.post(path, json={"parts": parts["parts"][::-1]}, headers=headers)

    assert first.status_code == retry.status_code == 201, retry.text
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert len(fakes.batches.rows) == 3  # the parent and its two sub-lots, once
    assert other_body.status_code == 422
    assert other_body.json()["error"]["details"][0]["field"] == "Idempotency-Key"


async def test_only_admins_manage_accounts(api, fakes, producer):
    admin = bearer(fakes.token(await fakes.user(Role.ADMIN)))
    buyer = await fakes.user(Role.BUYER)

    listed = await api.get("/api/v1/users?role=buyer", headers=admin)
    refused = await api.get("/api/v1/users", headers=producer)
    deactivated = await api.post(f"/api/v1/users/{buyer.id}/deactivate", headers=admin)
    audit = await api.get("/api/v1/audit-logs", headers=admin)

    assert [u["id"] for u in listed.json()["data"]] == [str(buyer.id)]
    assert refused.status_code == 403
    assert deactivated.json()["is_active"] is False
    assert audit.status_code == 200, audit.text


async def test_readiness_names_the_dependency_that_fails(api, fakes):
    ready = await api.get("/api/v1/health/ready")
    fakes.redis.failing = True
    not_ready = await api.get("/api/v1/health/ready")

    assert ready.json() == {"status": "ok", "checks": {"postgres": "ok", "redis": "ok"}}
    assert not_ready.status_code == 503
    assert not_ready.json()["checks"] == {"postgres": "ok", "redis": "error"}


async def test_every_answer_carries_the_security_headers(api):
    response = await api.get("/api/v1/health/")

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


async def test_the_keys_and_the_document_are_served(api):
    keys = await api.get("/.well-known/jwks.json")
    document = await api.get("/docs/openapi.json")

    assert [k["kty"] for k in keys.json()["keys"]] == ["RSA"]
    assert document.json()["openapi"] == "3.1.0"
