import base64
import hashlib
import hmac
import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from api.domain.clients import ApiClient, AuthMethod
from api.domain.errors import NotAuthenticated
from api.domain.users import Role, User
from api.infrastructure.security.keys import (
    KeyFileError,
    load_key_ring,
    load_private_key,
    thumbprint,
    write_private_key,
)
from api.infrastructure.security.tokens import JwtTokens
from tests.support.fakes import generate_key, shared_key

ISSUER, AUDIENCE = "agrobridge", "agrobridge-api"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def user(role: Role = Role.PRODUCER) -> User:
    return User(uuid4(), "a@example.com", "A", role, "hash", datetime.now(UTC))


def issuer_for(ring, issuer: str = ISSUER, audience: str = AUDIENCE) -> JwtTokens:
    return JwtTokens(ring, issuer, audience, ttl_seconds=900)


@pytest.fixture
def key():
    return shared_key()


@pytest.fixture
def tokens(key):
    return issuer_for(key.ring())


def good_claims() -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp())
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": "j1",
        "sid": str(uuid4()),
        "typ": "access",
        "role": "admin",
    }


def test_a_token_verifies_and_carries_who_and_which_session(tokens):
    someone, session = user(Role.AUDITOR), uuid4()

    token, ttl = tokens.issue(someone, session, datetime.now(UTC))
    claims = tokens.verify(token)

    assert ttl == 900
    assert (claims.user_id, claims.role, claims.session_id) == (someone.id, Role.AUDITOR, session)
    assert claims.token_id


def test_a_token_names_the_deny_list_epoch_it_was_issued_in(tokens):
    token, _ = tokens.issue(user(), uuid4(), datetime.now(UTC), "1765000000.000123")

    assert tokens.verify(token).epoch == "1765000000.000123"


@pytest.mark.parametrize("epoch", [1765000000, None, ["1"]])
def test_a_well_signed_token_naming_an_epoch_of_the_wrong_type_is_rejected(key, tokens, epoch):
    token = jwt.encode({**good_claims(), "epo": epoch}, key.private, "RS256", {"kid": key.kid})

    with pytest.raises(NotAuthenticated):
        tokens.verify(token)


def test_a_machine_clients_token_names_the_client_its_scopes_and_its_rate(tokens):
    now = datetime.now(UTC)
    client = ApiClient(
        uuid4(), uuid4(), "scanner", frozenset({"batches:read", "events:read"}),
        AuthMethod.CLIENT_SECRET_BASIC, None, 120, uuid4(), now, now,
    )  # fmt: skip

    token, ttl = tokens.issue_for_client(client, Role.BUYER, frozenset({"events:read"}), now, "1")
    claims = tokens.verify(token)

    assert ttl == 900
    assert (claims.user_id, claims.session_id, claims.role) == (client.id, client.id, Role.BUYER)
    assert (claims.organisation_id, claims.client_name) == (client.organisation_id, "scanner")
    assert (claims.scopes, claims.rate_limit, claims.epoch) == (
        frozenset({"events:read"}),
        120,
        "1",
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"client": "scanner"},  # a client's token names its organisation
        {"client": 7, "org": str(uuid4())},
        {"client": "scanner", "org": str(uuid4()), "scope": ["batches:read"]},
        {"client": "scanner", "org": str(uuid4()), "rl": "600"},
        {"client": "scanner", "org": str(uuid4()), "rl": 0},
        {"client": "scanner", "org": str(uuid4()), "rl": True},
    ],
)
def test_a_well_signed_client_token_with_claims_of_the_wrong_shape_is_rejected(
    key, tokens, changes
):
    token = jwt.encode({**good_claims(), **changes}, key.private, "RS256", {"kid": key.kid})

    with pytest.raises(NotAuthenticated):
        tokens.verify(token)


def test_a_hand_made_token_signed_with_our_key_verifies(key, tokens):
    claims = good_claims()
    token = jwt.encode(claims, key.private, "RS256", {"kid": key.kid})

    assert str(tokens.verify(token).user_id) == claims["sub"]


def test_an_expired_token_is_rejected_as_expired(tokens):
    token, _ = tokens.issue(user(), uuid4(), datetime.now(UTC) - timedelta(hours=1))

    with pytest.raises(NotAuthenticated, match="expired"):
        tokens.verify(token)


def test_a_token_for_another_audience_is_rejected(key, tokens):
    token, _ = issuer_for(key.ring(), audience="someone-else").issue(
        user(), uuid4(), datetime.now(UTC)
    )

    with pytest.raises(NotAuthenticated):
        tokens.verify(token)


def test_a_token_from_another_issuer_is_rejected(key, tokens):
    token, _ = issuer_for(key.ring(), issuer="evil").issue(user(), uuid4(), datetime.now(UTC))

    with pytest.raises(NotAuthenticated):
        tokens.verify(token)


def test_a_tampered_payload_is_rejected(tokens):
    token, _ = tokens.issue(user(Role.BUYER), uuid4(), datetime.now(UTC))
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    forged = ".".join([header, b64(json.dumps(claims).encode()), signature])

    with pytest.raises(NotAuthenticated):
        tokens.verify(forged)


def test_a_token_signed_by_an_unknown_key_is_rejected(tokens):
    stranger = generate_key()
    token, _ = issuer_for(stranger.ring()).issue(user(), uuid4(), datetime.now(UTC))

    with pytest.raises(NotAuthenticated):
        tokens.verify(token)


def test_a_token_claiming_our_kid_but_signed_by_another_key_is_rejected(key, tokens):
    token = jwt.encode(good_claims(), generate_key().private, "RS256", {"kid": key.kid})

    with pytest.raises(NotAuthenticated):
        tokens.verify(token)


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_an_unsigned_alg_none_token_is_rejected(key, tokens, alg):
    header = b64(json.dumps({"alg": alg, "typ": "JWT", "kid": key.kid}).encode())
    payload = b64(json.dumps(good_claims()).encode())

    with pytest.raises(NotAuthenticated):
        tokens.verify(f"{header}.{payload}.")


def test_an_hs256_token_keyed_with_our_public_pem_is_rejected(key, tokens):
    pem = key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    payload = b64(json.dumps(good_claims()).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = b64(hmac.new(pem, signing_input, hashlib.sha256).digest())

    with pytest.raises(NotAuthenticated):
        tokens.verify(f"{header}.{payload}.{signature}")


def test_a_well_signed_token_that_is_not_an_access_token_is_rejected(key, tokens):
    claims = {**good_claims(), "typ": "refresh"}
    token = jwt.encode(claims, key.private, "RS256", {"kid": key.kid})

    with pytest.raises(NotAuthenticated):
        tokens.verify(token)


@pytest.mark.parametrize("missing", ["sid", "jti", "nbf", "role"])
def test_a_well_signed_token_missing_a_required_claim_is_rejected(key, tokens, missing):
    claims = good_claims()
    del claims[missing]
    token = jwt.encode(claims, key.private, "RS256", {"kid": key.kid})

    with pytest.raises(NotAuthenticated):
        tokens.verify(token)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "x" * 50])
def test_garbage_is_rejected(tokens, garbage):
    with pytest.raises(NotAuthenticated):
        tokens.verify(garbage)


def test_tokens_signed_before_a_rotation_still_verify(tmp_path):
    old, new = tmp_path / "old.pem", tmp_path / "new.pem"
    write_private_key(old, bits=2048)
    write_private_key(new, bits=2048)
    old_public = tmp_path / "old.pub.pem"
    old_public.write_bytes(
        load_private_key(old)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    before = load_key_ring(old)
    after = load_key_ring(new, (old_public,))
    someone = user()
    token, _ = issuer_for(before).issue(someone, uuid4(), datetime.now(UTC))

    assert issuer_for(after).verify(token).user_id == someone.id
    kids = [k["kid"] for k in after.jwks()["keys"]]
    assert sorted(kids) == sorted([before.signing_kid, after.signing_kid])
    assert after.signing_kid == thumbprint(load_private_key(new).public_key())
    assert all(k["alg"] == "RS256" and "d" not in k for k in after.jwks()["keys"])
    with pytest.raises(NotAuthenticated):
        issuer_for(load_key_ring(new)).verify(token)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644])
def test_a_private_key_readable_by_others_is_refused(tmp_path, mode):
    path = tmp_path / "key.pem"
    write_private_key(path, bits=2048)
    os.chmod(path, mode)

    with pytest.raises(KeyFileError, match="chmod 600"):
        load_private_key(path)


def test_a_new_private_key_is_owner_only_and_never_overwritten(tmp_path):
    path = tmp_path / "keys" / "signing.pem"
    write_private_key(path, bits=2048)
    original = path.read_bytes()

    assert path.stat().st_mode & 0o777 == 0o600
    assert load_private_key(path).key_size == 2048
    with pytest.raises(FileExistsError):
        write_private_key(path, bits=2048)
    assert path.read_bytes() == original
