"""The guard in front of every route: who is calling, which rate bucket they spend, whether their
token still stands, and what happens when Redis cannot be asked."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from api.domain.organisations import Activity, MemberRole, NewOrganisation
from api.domain.users import Role
from api.infrastructure.security.tokens import JwtTokens
from tests.http.harness import CLIENT_IP, PASSWORD, bearer
from tests.support.fakes import generate_key

ME = "/api/v1/auth/me"


def assert_refused(response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert error["request_id"] == response.headers["X-Request-ID"]
    return error


async def test_a_route_that_needs_a_token_refuses_a_caller_without_one(api, fakes):
    response = await api.get("/api/v1/batches")

    assert_refused(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    # Anonymous callers spend their address's allowance.
    assert [(c.bucket, c.per_minute) for c in fakes.guard.checks] == [(f"ip:{CLIENT_IP}", 120)]


async def test_the_callers_own_account_routes_spend_the_auth_allowance_when_anonymous(api, fakes):
    assert_refused(await api.get(ME), 401, "unauthorized")

    assert [(c.bucket, c.per_minute) for c in fakes.guard.checks] == [(f"auth:{CLIENT_IP}", 20)]


async def test_a_valid_token_spends_its_users_allowance_and_is_checked_for_revocation(api, fakes):
    user = await fakes.user()
    token = fakes.token(user)
    claims = fakes.tokens.verify(token)

    response = await api.get(ME, headers=bearer(token))

    assert response.status_code == 200, response.text
    assert response.json()["id"] == str(user.id)
    [check] = fakes.guard.checks
    assert (check.bucket, check.per_minute) == (f"user:{user.id}", 300)
    assert (check.token_id, check.session_id) == (claims.token_id, str(claims.session_id))
    assert response.headers["RateLimit-Limit"] == "300"
    assert response.headers["RateLimit-Remaining"] == "299"


async def test_a_token_not_signed_by_us_is_refused_and_audited(api, fakes):
    stranger = await fakes.user()

    forged, _ = JwtTokens(generate_key().ring(), "agrobridge", "agrobridge-api", 900).issue(
        stranger, uuid.uuid4(), datetime.now(UTC)
    )

    response = await api.get("/api/v1/batches", headers=bearer(forged))

    assert_refused(response, 401, "unauthorized")
    [rejected] = fakes.audit.of("auth.token.rejected")
    assert rejected.metadata["route"] == "/api/v1/batches"
    assert rejected.context.ip == CLIENT_IP
    assert [c.bucket for c in fakes.guard.checks] == [f"ip:{CLIENT_IP}"]


async def test_an_expired_token_is_refused_but_not_audited_as_foreign(api, fakes):
    user = await fakes.user()
    expired, _ = fakes.tokens.issue(user, uuid.uuid4(), datetime.now(UTC) - timedelta(hours=1))

    error = assert_refused(await api.get(ME, headers=bearer(expired)), 401, "unauthorized")

    assert "expired" in error["message"]
    assert fakes.audit.of("auth.token.rejected") == []


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
@pytest.mark.parametrize("value", ["0", "1700000000", True, None, [0], {"t": 0}])
async def test_a_well_signed_token_with_a_time_claim_of_the_wrong_type_is_refused(
    api, fakes, claim, value
):
    user = await fakes.user()
    now = int(datetime.now(UTC).timestamp())
    claims = {
        "iss": "agrobridge",
        "aud": "agrobridge-api",
        "sub": str(user.id),
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        "sid": str(uuid.uuid4()),
        "typ": "access",
        "role": user.role.value,
    }
    claims[claim] = value
    keys = fakes.tokens.keys
    token = jwt.encode(claims, keys.signing_key, "RS256", {"kid": keys.signing_kid})

    assert_refused(await api.get(ME, headers=bearer(token)), 401, "unauthorized")


@pytest.mark.parametrize("what", ["token", "session"])
async def test_a_revoked_token_is_refused(api, fakes, what):
    user = await fakes.user()
    token = fakes.token(user)
    claims = fakes.tokens.verify(token)
    if what == "token":
        fakes.revocations.tokens.add(claims.token_id)
    else:
        fakes.revocations.sessions.add(str(claims.session_id))

    error = assert_refused(await api.get(ME, headers=bearer(token)), 401, "unauthorized")

    assert error["message"] == "access token has been revoked"


async def test_a_caller_over_their_rate_gets_429_with_retry_after(api, fakes):
    user = await fakes.user()
    fakes.guard.exhaust(f"user:{user.id}", retry_after_seconds=7)

    response = await api.get("/api/v1/batches", headers=bearer(fakes.token(user)))

    assert_refused(response, 429, "rate_limited")
    assert response.headers["Retry-After"] == "7"


async def test_the_rate_verdict_comes_before_the_missing_token(api, fakes):
    fakes.guard.exhaust(f"ip:{CLIENT_IP}")

    assert_refused(await api.get("/api/v1/batches"), 429, "rate_limited")


async def test_credential_routes_spend_the_addresss_auth_allowance(api, fakes):
    await fakes.user(email="ada@example.com")

    response = await api.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )

    assert response.status_code == 200, response.text
    assert [(c.bucket, c.per_minute) for c in fakes.guard.checks] == [(f"auth:{CLIENT_IP}", 20)]


async def test_a_logged_in_caller_on_a_credential_route_spends_their_own_allowance(api, fakes):
    user = await fakes.user(email="ada@example.com")

    response = await api.post(
        "/api/v1/auth/login",
        json={"email": "ada@example.com", "password": PASSWORD},
        headers=bearer(fakes.token(user)),
    )

    assert response.status_code == 200, response.text
    assert [c.bucket for c in fakes.guard.checks] == [f"user:{user.id}"]


@pytest.mark.parametrize(
    "path", ["/api/v1/public/batches/NO-SUCH-CODE", "/verify/NO-SUCH-CODE"], ids=["api", "page"]
)
async def test_public_routes_ignore_tokens_and_spend_the_public_allowance(api, fakes, path):
    response = await api.get(path, headers=bearer("not-a-token"))

    assert response.status_code == 404
    assert [(c.bucket, c.per_minute) for c in fakes.guard.checks] == [(f"public:{CLIENT_IP}", 60)]
    assert fakes.audit.of("auth.token.rejected") == []


@pytest.mark.parametrize(
    "path", ["/api/v1/health/", "/api/v1/health/ready", "/.well-known/jwks.json", "/docs"]
)
async def test_unguarded_routes_answer_without_asking_redis(api, fakes, path):
    fakes.guard.down = True

    response = await api.get(path, headers=bearer("not-a-token"))

    assert response.status_code == 200, response.text
    assert fakes.guard.checks == []
    assert fakes.audit.entries == []


async def test_preflight_requests_are_not_guarded(api, fakes):
    response = await api.options("/api/v1/batches")

    assert response.status_code == 204
    assert fakes.guard.checks == []


async def test_with_redis_down_anonymous_callers_go_on_unlimited(api, fakes):
    fakes.guard.down = True
    await fakes.user(email="ada@example.com")

    login = await api.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    public = await api.get("/api/v1/public/batches/NO-SUCH-CODE")

    assert login.status_code == 200, login.text
    assert public.status_code == 404
    assert "RateLimit-Limit" not in login.headers


async def test_with_redis_down_a_token_cannot_be_trusted(api, fakes):
    fakes.guard.down = True
    user = await fakes.user(role=Role.BUYER)

    response = await api.get(ME, headers=bearer(fakes.token(user)))

    error = assert_refused(response, 503, "unavailable")
    assert error["message"] == "redis is unavailable; retry later"
    assert response.headers["Retry-After"] == "1"


async def test_a_persons_role_once_kept_comes_with_the_check(api, fakes):
    user = await fakes.user()
    epoch = fakes.revocations.epoch
    token, _ = fakes.tokens.issue(user, uuid.uuid4(), datetime.now(UTC), epoch)
    auth, invite = bearer(token), f"/api/v1/organisations/{user.id}/invitations"
    body = {"email": "bo@example.com", "role": "viewer"}

    assert (await api.post(invite, json=body, headers=auth)).status_code == 201
    assert fakes.roles.kept == {(user.id, user.id): f"{epoch}|owner"}
    # The next request acts with what is kept, without reading the database.
    fakes.roles.kept[(user.id, user.id)] = f"{epoch}|viewer"
    assert_refused(await api.post(invite, json=body, headers=auth), 403, "forbidden")


async def test_with_the_role_cache_unreachable_no_membership_changes(api, fakes):
    owner, member = await fakes.user(), await fakes.user()
    farm, now = NewOrganisation("Finca", "MX", frozenset({Activity.PRODUCER})), fakes.clock.now()
    org = await fakes.organisations.add(farm, now)
    await fakes.organisations.add_member(org.id, owner.id, MemberRole.OWNER, now)
    await fakes.organisations.add_member(org.id, member.id, MemberRole.MANAGER, now)
    path = f"/api/v1/organisations/{org.id}/members/{member.id}"
    auth = bearer(fakes.token(owner))

    fakes.roles.down = True
    changed = await api.put(path, json={"role": "viewer"}, headers=auth)
    removed = await api.delete(path, headers=auth)
    left = await api.delete(path, headers=bearer(fakes.token(member)))

    for response in (changed, removed, left):
        error = assert_refused(response, 503, "unavailable")
        assert error["message"] == "redis is unavailable; retry later"
    assert await fakes.organisations.role_of(org.id, member.id) == MemberRole.MANAGER
