"""Machine clients over in-memory fakes: who manages them, their secrets, and the client
credentials grant with a secret or a signed assertion."""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from api.application.client_tokens import ASSERTION_TYPE, BAD_CLIENT, ClientTokens, TokenRequest
from api.application.clients import Clients
from api.domain.clients import AuthMethod, NewClient
from api.domain.errors import (
    Conflict,
    Hidden,
    InvalidClient,
    InvalidRequest,
    InvalidScope,
    NotFound,
    NotPermitted,
    UnsupportedGrantType,
    ValidationFailed,
)
from api.domain.organisations import MemberRole
from api.domain.users import Actor, Role
from api.infrastructure.security.client_assertions import Rfc7523Assertions
from api.infrastructure.security.tokens import JwtTokens
from tests.support.builders import CTX
from tests.support.fakes import (
    FakeApiClients,
    FakeAuditLog,
    FakeAuditQuota,
    FakeClock,
    FakeOrganisations,
    FakeReplayGuard,
    FakeRevocations,
    FakeUsers,
    NullUnitOfWork,
    shared_key,
)

TOKEN_URL = "https://trace.example/api/v1/auth/token"
READ = frozenset({"batches:read"})


@dataclass
class World:
    clock: FakeClock
    users: FakeUsers
    organisations: FakeOrganisations
    repo: FakeApiClients
    audit: FakeAuditLog
    revocations: FakeRevocations
    replays: FakeReplayGuard
    tokens: JwtTokens
    clients: Clients
    grants: ClientTokens

    async def person(self, role: Role = Role.PRODUCER) -> Actor:
        """A person acting for their own organisation, which they own."""
        user = await self.users.add(
            f"{uuid.uuid4().hex[:8]}@example.com", "Ana", role, "x", self.clock.now()
        )
        return Actor(user.id, role)

    async def member(self, owner: Actor, role: MemberRole) -> Actor:
        joiner = await self.person()
        await self.organisations.add_member(owner.org, joiner.id, role, self.clock.now())
        return Actor(joiner.id, joiner.role, owner.org, role)


@pytest.fixture
def world() -> World:
    # Now, not a fixed instant: the tokens are verified against the real clock.
    clock, users, audit = FakeClock(datetime.now(UTC)), FakeUsers(), FakeAuditLog()
    organisations, repo = FakeOrganisations(users), FakeApiClients()
    revocations, replays = FakeRevocations(), FakeReplayGuard()
    tokens = JwtTokens(shared_key().ring(), "agrobridge", "agrobridge-api", 900)
    assertions = Rfc7523Assertions()
    clients = Clients(
        repo, organisations, assertions, revocations, audit, NullUnitOfWork(), clock,
        access_ttl=timedelta(minutes=15),
    )  # fmt: skip
    grants = ClientTokens(
        repo, organisations, tokens, assertions, replays, revocations, audit,
        FakeAuditQuota(), clock,
    )  # fmt: skip
    return World(
        clock, users, organisations, repo, audit, revocations, replays, tokens, clients, grants
    )


def basic(client_id: uuid.UUID, secret: str, scope: str | None = None) -> TokenRequest:
    return TokenRequest("client_credentials", scope, basic=(str(client_id), secret))


def secret_client(scopes: frozenset[str] = READ, name: str = "scanner") -> NewClient:
    return NewClient(name, scopes, AuthMethod.CLIENT_SECRET_BASIC, rate_limit_per_minute=42)


async def test_an_owner_registers_a_client_whose_secret_is_shown_once_and_stored_hashed(world):
    owner = await world.person()

    client, secret = await world.clients.create(owner, owner.org, secret_client(), CTX)

    assert secret is not None
    assert len(secret) >= 43  # 32 random bytes, base64url
    [stored] = (await world.clients.get(owner, owner.org, client.id)).secrets
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(world.repo.rows) + repr(world.audit.entries)
    assert world.audit.actions() == ["client.created", "client.secret.created"]
    created = world.audit.of("client.created")[0]
    assert (created.actor_id, created.target_id) == (owner.id, str(client.id))
    assert created.context.organisation_id == owner.org


@pytest.mark.parametrize(
    ("new", "field"),
    [
        (NewClient("x", frozenset({"batches:delete"}), AuthMethod.CLIENT_SECRET_BASIC), "scopes"),
        (NewClient("x", frozenset(), AuthMethod.CLIENT_SECRET_BASIC), "scopes"),
        (NewClient("x", READ, AuthMethod.PRIVATE_KEY_JWT), "public_key"),
        (
            NewClient("x", READ, AuthMethod.CLIENT_SECRET_BASIC, {"kty": "EC"}),
            "public_key",
        ),
        (
            NewClient("x", READ, AuthMethod.PRIVATE_KEY_JWT, {"kty": "oct", "k": "c2VjcmV0"}),
            "public_key",
        ),
    ],
    ids=["unknown-scope", "no-scope", "no-key", "unwanted-key", "symmetric-key"],
)
async def test_a_client_that_breaks_the_rules_is_refused(world, new, field):
    owner = await world.person()

    with pytest.raises(ValidationFailed) as refused:
        await world.clients.create(owner, owner.org, new, CTX)

    assert refused.value.details[0].field == field
    assert world.repo.rows == {}


async def test_a_key_client_keeps_only_the_public_key_and_gets_no_secret(world):
    owner = await world.person()
    jwk = ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key(), as_dict=True)

    client, secret = await world.clients.create(
        owner,
        owner.org,
        NewClient("erp", READ, AuthMethod.PRIVATE_KEY_JWT, jwk | {"kid": "1"}),
        CTX,
    )

    assert secret is None
    assert client.public_key == {k: jwk[k] for k in ("kty", "crv", "x", "y")}
    with pytest.raises(Conflict):
        await world.clients.add_secret(owner, owner.org, client.id, CTX)


async def test_only_owners_manage_clients(world):
    owner = await world.person()
    client, _ = await world.clients.create(owner, owner.org, secret_client(), CTX)
    manager = await world.member(owner, MemberRole.MANAGER)
    stranger = await world.person()
    machine = Actor(client.id, Role.PRODUCER, owner.org, MemberRole.MANAGER, "scanner", READ)

    with pytest.raises(NotPermitted):
        await world.clients.create(manager, owner.org, secret_client(name="other"), CTX)
    with pytest.raises(NotPermitted):
        await world.clients.revoke(manager, owner.org, client.id, CTX)
    with pytest.raises(NotPermitted):
        await world.clients.list(machine, owner.org)
    with pytest.raises(Hidden):
        await world.clients.list(stranger, owner.org)
    assert world.revocations.sessions == set()


async def test_another_organisations_client_does_not_exist_for_an_owner(world):
    owner, other = await world.person(), await world.person()
    client, _ = await world.clients.create(owner, owner.org, secret_client(), CTX)

    with pytest.raises(Hidden):
        await world.clients.get(other, other.org, client.id)
    with pytest.raises(Hidden):
        await world.clients.revoke(other, other.org, client.id, CTX)
    with pytest.raises(NotFound):
        await world.clients.get(owner, owner.org, uuid.uuid4())


async def test_a_live_clients_name_is_taken_and_a_revoked_ones_is_free(world):
    owner = await world.person()
    first, _ = await world.clients.create(owner, owner.org, secret_client(), CTX)

    with pytest.raises(Conflict):
        await world.clients.create(owner, owner.org, secret_client(), CTX)
    await world.clients.revoke(owner, owner.org, first.id, CTX)
    world.clock.advance(seconds=1)
    second, _ = await world.clients.create(owner, owner.org, secret_client(), CTX)

    assert [c.id for c in await world.clients.list(owner, owner.org)] == [second.id, first.id]


async def test_rotation_keeps_two_live_secrets_and_retires_the_oldest(world):
    owner = await world.person()
    client, first = await world.clients.create(owner, owner.org, secret_client(), CTX)
    assert first is not None

    world.clock.advance(seconds=1)
    second = await world.clients.add_secret(owner, owner.org, client.id, CTX)
    world.clock.advance(seconds=1)
    third = await world.clients.add_secret(owner, owner.org, client.id, CTX)

    assert second.retired is None
    assert third.retired is not None
    assert third.retired.id == client.secrets[0].id
    live = (await world.clients.get(owner, owner.org, client.id)).secrets
    assert [s.id for s in live] == [second.secret.id, third.secret.id]
    with pytest.raises(InvalidClient):
        await world.grants.grant(basic(client.id, first), CTX)
    for value in (second.value, third.value):
        assert (await world.grants.grant(basic(client.id, value), CTX)).access_token
    [retired] = world.audit.of("client.secret.revoked")
    assert retired.metadata == {"secret_id": str(third.retired.id), "reason": "rotated"}


async def test_a_deleted_secret_stops_working_and_cannot_be_deleted_twice(world):
    owner = await world.person()
    client, value = await world.clients.create(owner, owner.org, secret_client(), CTX)
    assert value is not None
    [secret] = client.secrets

    await world.clients.revoke_secret(owner, owner.org, client.id, secret.id, CTX)

    with pytest.raises(InvalidClient):
        await world.grants.grant(basic(client.id, value), CTX)
    with pytest.raises(NotFound):
        await world.clients.revoke_secret(owner, owner.org, client.id, secret.id, CTX)


async def test_revoking_a_client_ends_its_tokens_and_refuses_new_ones(world):
    owner = await world.person()
    client, value = await world.clients.create(owner, owner.org, secret_client(), CTX)
    assert value is not None

    revoked = await world.clients.revoke(owner, owner.org, client.id, CTX)
    world.revocations.sessions.clear()  # as if Redis had lost the first write
    again = await world.clients.revoke(owner, owner.org, client.id, CTX)

    assert revoked.revoked_at == again.revoked_at == world.clock.now()
    assert world.revocations.sessions == {str(client.id)}
    assert world.audit.actions().count("client.revoked") == 1
    with pytest.raises(InvalidClient):
        await world.grants.grant(basic(client.id, value), CTX)
    with pytest.raises(Conflict):
        await world.clients.add_secret(owner, owner.org, client.id, CTX)


async def test_a_client_trades_its_secret_for_a_token_of_its_scopes(world):
    owner = await world.person()
    scopes = frozenset({"batches:read", "custody:write"})
    client, value = await world.clients.create(owner, owner.org, secret_client(scopes), CTX)
    assert value is not None

    issued = await world.grants.grant(basic(client.id, value), CTX)

    claims = world.tokens.verify(issued.access_token)
    assert issued.scopes == claims.scopes == scopes
    assert (claims.user_id, claims.session_id) == (client.id, client.id)
    assert (claims.client_name, claims.organisation_id) == ("scanner", owner.org)
    assert (claims.role, claims.rate_limit) == (Role.PRODUCER, 42)
    assert issued.expires_in == 900
    [entry] = world.audit.of("client.token.issued")
    assert (entry.actor_id, entry.context.client_name) == (client.id, "scanner")


async def test_a_buying_organisations_client_acts_as_a_buyer(world):
    owner = await world.person(Role.BUYER)
    client, value = await world.clients.create(owner, owner.org, secret_client(), CTX)
    assert value is not None

    issued = await world.grants.grant(basic(client.id, value), CTX)

    assert world.tokens.verify(issued.access_token).role is Role.BUYER


async def test_a_client_may_ask_for_fewer_scopes_but_not_for_more(world):
    owner = await world.person()
    scopes = frozenset({"batches:read", "custody:write"})
    client, value = await world.clients.create(owner, owner.org, secret_client(scopes), CTX)
    assert value is not None

    narrow = await world.grants.grant(basic(client.id, value, "batches:read"), CTX)

    assert narrow.scopes == READ
    for wider in ("batches:read batches:write", "everything"):
        with pytest.raises(InvalidScope):
            await world.grants.grant(basic(client.id, value, wider), CTX)


async def test_unknown_revoked_and_wrong_credentials_get_one_answer_and_are_audited(world):
    owner = await world.person()
    client, value = await world.clients.create(owner, owner.org, secret_client(), CTX)
    revoked, old = await world.clients.create(owner, owner.org, secret_client(name="old"), CTX)
    assert value is not None
    assert old is not None
    await world.clients.revoke(owner, owner.org, revoked.id, CTX)

    attempts = [
        basic(uuid.uuid4(), value),
        basic(revoked.id, old),
        basic(client.id, value + "x"),
        basic(client.id, ""),
    ]
    messages = set()
    for attempt in attempts:
        with pytest.raises(InvalidClient) as refused:
            await world.grants.grant(attempt, CTX)
        messages.add(refused.value.message)

    assert messages == {BAD_CLIENT}
    reasons = [e.metadata["reason"] for e in world.audit.of("client.token.refused")]
    assert reasons == ["unknown_client", "revoked", "wrong_secret", "wrong_secret"]
    assert value not in repr(world.audit.entries)


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        (TokenRequest(None), InvalidRequest),
        (TokenRequest("password"), UnsupportedGrantType),
        (TokenRequest("client_credentials"), InvalidClient),
        (TokenRequest("client_credentials", client_id="x", client_secret="s"), InvalidClient),
        (
            TokenRequest("client_credentials", basic=("a", "b"), client_assertion="a.b.c"),
            InvalidRequest,
        ),
        (
            TokenRequest("client_credentials", client_assertion="a.b.c", client_id="x"),
            InvalidRequest,
        ),
    ],
    ids=["no-grant", "other-grant", "no-auth", "secret-in-body", "two-methods", "no-type"],
)
async def test_malformed_requests_get_rfc_6749s_errors(world, request_, error):
    with pytest.raises(error):
        await world.grants.grant(request_, CTX)


def assertion(
    world: World, key: ec.EllipticCurvePrivateKey, client_id: str, **changes: object
) -> str:
    now = int(world.clock.now().timestamp())
    claims = {"iss": client_id, "sub": client_id, "aud": TOKEN_URL, "iat": now,
              "exp": now + 60, "jti": uuid.uuid4().hex} | changes  # fmt: skip
    return jwt.encode(claims, key, algorithm="ES256")


def signed(signed_assertion: str, client_id: str | None = None) -> TokenRequest:
    return TokenRequest(
        "client_credentials",
        client_id=client_id,
        client_assertion_type=ASSERTION_TYPE,
        client_assertion=signed_assertion,
        audiences=(TOKEN_URL, "http://api.internal/api/v1/auth/token"),
    )


async def test_a_signed_assertion_gets_a_token_once(world):
    owner = await world.person()
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    new = NewClient("erp", READ, AuthMethod.PRIVATE_KEY_JWT, jwk)
    client, _ = await world.clients.create(owner, owner.org, new, CTX)
    first = assertion(world, key, str(client.id))

    issued = await world.grants.grant(signed(first), CTX)

    assert world.tokens.verify(issued.access_token).client_name == "erp"
    with pytest.raises(InvalidClient):
        await world.grants.grant(signed(first), CTX)
    # Another assertion, addressed to the endpoint as the request named it, with client_id.
    other = assertion(world, key, str(client.id), aud="http://api.internal/api/v1/auth/token")
    assert (await world.grants.grant(signed(other, str(client.id)), CTX)).access_token
    reasons = [e.metadata["reason"] for e in world.audit.of("client.token.refused")]
    assert reasons == ["replayed_assertion"]


async def test_an_assertion_from_another_key_or_for_another_audience_is_refused(world):
    owner = await world.person()
    key, thief = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    client, _ = await world.clients.create(
        owner, owner.org, NewClient("erp", READ, AuthMethod.PRIVATE_KEY_JWT, jwk), CTX
    )

    for bad in (
        assertion(world, thief, str(client.id)),
        assertion(world, key, str(client.id), aud="https://elsewhere.example/token"),
        assertion(world, key, str(client.id), exp=int(world.clock.now().timestamp()) - 60),
    ):
        with pytest.raises(InvalidClient) as refused:
            await world.grants.grant(signed(bad), CTX)
        assert refused.value.message == BAD_CLIENT

    reasons = {e.metadata["reason"] for e in world.audit.of("client.token.refused")}
    assert reasons == {"bad_assertion"}
