"""RFC 7523 client assertions: what a machine client's signed JWT must be, and the keys it may
register. Keys are made at test time; assertions are signed with PyJWT."""

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from jwt.warnings import InsecureKeyLengthWarning

from api.domain.errors import NotAuthenticated, ValidationFailed
from api.infrastructure.security.client_assertions import (
    jwk_thumbprint,
    parse_public_jwk,
    verify_client_assertion,
)
from api.infrastructure.security.keys import thumbprint

CLIENT = "client-7f3a"
TOKEN_URL = "https://api.agrobridge.example/api/v1/oauth/token"
NOW = datetime(2031, 5, 4, 12, 0, tzinfo=UTC)

# RFC 7638 section 3.1: the example key and its thumbprint.
RFC_7638_KEY = {
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_B"
    "JECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Q"
    "vzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6"
    "WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC_7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def weak_key() -> rsa.RSAPrivateKey:
    # Breakable on purpose: what a client must not be allowed to register.
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505


def public_jwk_of(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    if isinstance(key, rsa.RSAPrivateKey):
        return RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return ECAlgorithm.to_jwk(key.public_key(), as_dict=True)


def claims(**changes: Any) -> dict[str, Any]:
    """A good assertion's claims; a change to None leaves that claim out."""
    good: dict[str, Any] = {
        "iss": CLIENT,
        "sub": CLIENT,
        "aud": TOKEN_URL,
        "iat": int(NOW.timestamp()),
        "exp": int(NOW.timestamp()) + 60,
        "jti": uuid.uuid4().hex,
    }
    good.update(changes)
    return {name: value for name, value in good.items() if value is not None}


def sign(key: Any, alg: str = "RS256", **changes: Any) -> str:
    return jwt.encode(claims(**changes), key, algorithm=alg)


def verify(assertion: str, key: Any, **options: Any) -> Any:
    return verify_client_assertion(assertion, CLIENT, public_jwk_of(key), TOKEN_URL, NOW, **options)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(("which", "alg"), [("rsa", "RS256"), ("rsa", "PS256"), ("ec", "ES256")])
def test_an_assertion_signed_with_the_registered_key_is_accepted(rsa_key, ec_key, which, alg):
    key = rsa_key if which == "rsa" else ec_key

    accepted = verify(sign(key, alg, jti="assertion-1"), key)

    assert accepted.jti == "assertion-1"
    assert accepted.expires_at == NOW + timedelta(seconds=60)


def test_an_audience_list_that_names_the_token_endpoint_is_accepted(rsa_key):
    assertion = sign(rsa_key, aud=["https://elsewhere.example", TOKEN_URL])

    assert verify(assertion, rsa_key).expires_at > NOW


def test_the_endpoint_may_go_by_several_names_and_one_of_them_is_enough(rsa_key):
    names = [TOKEN_URL, "http://10.0.0.5:8000/api/v1/oauth/token"]
    jwk = public_jwk_of(rsa_key)

    for aud in names:
        assertion = sign(rsa_key, aud=aud)
        assert verify_client_assertion(assertion, CLIENT, jwk, names, NOW).expires_at > NOW
    with pytest.raises(NotAuthenticated):
        verify_client_assertion(sign(rsa_key, aud="https://elsewhere.example"), CLIENT, jwk,
                                names, NOW)  # fmt: skip


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "another-client"},
        {"sub": "another-client"},
        {"iss": None},
        {"sub": None},
        {"aud": "https://api.agrobridge.example/api/v1/other"},
        {"aud": ["https://elsewhere.example"]},
        {"aud": None},
        {"exp": None},
        {"exp": str(int(NOW.timestamp()) + 60)},
        {"exp": float("nan")},
        {"exp": 10**400},
        {"iat": "yesterday"},
        {"nbf": None, "iat": None, "exp": True},
        {"jti": None},
        {"jti": ""},
        {"jti": "j" * 257},
        {"jti": 12345},
    ],
    ids=lambda changes: ",".join(f"{name}={str(value)[:20]}" for name, value in changes.items()),
)
def test_an_assertion_with_a_wrong_or_missing_claim_is_refused(rsa_key, changes):
    with pytest.raises(NotAuthenticated):
        verify(sign(rsa_key, **changes), rsa_key)


def test_an_expired_assertion_is_refused_once_past_the_leeway(rsa_key):
    expired_at = int(NOW.timestamp()) - 3
    assertion = sign(rsa_key, iat=expired_at - 60, exp=expired_at)

    assert verify(assertion, rsa_key, leeway_seconds=5).jti
    with pytest.raises(NotAuthenticated, match="expired"):
        verify(assertion, rsa_key, leeway_seconds=2)


@pytest.mark.parametrize(
    ("iat", "exp"),
    [(0, 301), (None, 301), (-400, 60), (-60, 3600)],
    ids=["from-iat", "from-now-without-iat", "issued-long-ago", "an-hour"],
)
def test_an_assertion_made_to_last_longer_than_allowed_is_refused(rsa_key, iat, exp):
    start = int(NOW.timestamp())
    assertion = sign(rsa_key, iat=None if iat is None else start + iat, exp=start + exp)

    with pytest.raises(NotAuthenticated, match="lifetime"):
        verify(assertion, rsa_key)


def test_an_assertion_within_its_lifetime_limit_is_accepted_without_iat(rsa_key):
    assertion = sign(rsa_key, iat=None, exp=int(NOW.timestamp()) + 300)

    assert verify(assertion, rsa_key).expires_at == NOW + timedelta(seconds=300)


def test_an_assertion_not_valid_before_a_later_time_is_refused_until_then(rsa_key):
    start = int(NOW.timestamp())
    assertion = sign(rsa_key, nbf=start + 30, exp=start + 90)

    with pytest.raises(NotAuthenticated, match="not valid yet"):
        verify(assertion, rsa_key)
    later = NOW + timedelta(seconds=30)
    verify_client_assertion(assertion, CLIENT, public_jwk_of(rsa_key), TOKEN_URL, later)


def test_an_unsigned_assertion_is_refused(rsa_key):
    unsigned = jwt.encode(claims(), "", algorithm="none")

    with pytest.raises(NotAuthenticated):
        verify(unsigned, rsa_key)


def test_an_hmac_assertion_keyed_with_the_public_key_is_refused(rsa_key):
    # The classic confusion: a verifier that lets the header pick HS256 checks an HMAC keyed
    # with the public key, which the attacker has.
    pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims()).encode())
    signing_input = f"{header}.{payload}".encode()
    forged = f"{header}.{payload}.{b64(hmac.new(pem, signing_input, hashlib.sha256).digest())}"

    with pytest.raises(NotAuthenticated):
        verify(forged, rsa_key)


def test_an_algorithm_that_does_not_fit_the_registered_key_type_is_refused(rsa_key, ec_key):
    with pytest.raises(NotAuthenticated, match="algorithm"):
        verify(sign(ec_key, "ES256"), rsa_key)
    with pytest.raises(NotAuthenticated, match="algorithm"):
        verify(sign(rsa_key, "RS256"), ec_key)


def test_an_assertion_signed_by_another_key_is_refused(rsa_key, ec_key):
    other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_ec = ec.generate_private_key(ec.SECP256R1())

    with pytest.raises(NotAuthenticated):
        verify(sign(other_rsa, "RS256"), rsa_key)
    with pytest.raises(NotAuthenticated):
        verify(sign(other_ec, "ES256"), ec_key)


def test_an_assertion_whose_claims_were_changed_after_signing_is_refused(rsa_key):
    header, _, signature = sign(rsa_key).split(".")
    changed = b64(json.dumps(claims(sub="another-client", iss="another-client")).encode())

    with pytest.raises(NotAuthenticated):
        verify_client_assertion(
            f"{header}.{changed}.{signature}",
            "another-client",
            public_jwk_of(rsa_key),
            TOKEN_URL,
            NOW,
        )


def test_a_malformed_assertion_is_refused(rsa_key):
    for garbage in ("", "not-a-jwt", "a.b.c", "e30.e30.e30"):
        with pytest.raises(NotAuthenticated):
            verify(garbage, rsa_key)


def test_a_registered_key_keeps_only_its_public_members(rsa_key, ec_key):
    extra = {"kid": "mine", "alg": "RS256", "use": "sig", "x5u": "https://evil.example/cert"}

    assert set(parse_public_jwk({**public_jwk_of(rsa_key), **extra})) == {"kty", "n", "e"}
    assert set(parse_public_jwk(public_jwk_of(ec_key))) == {"kty", "crv", "x", "y"}


def test_a_parsed_key_still_verifies_its_assertions(ec_key):
    registered = parse_public_jwk(public_jwk_of(ec_key))

    accepted = verify_client_assertion(sign(ec_key, "ES256"), CLIENT, registered, TOKEN_URL, NOW)

    assert accepted.expires_at == NOW + timedelta(seconds=60)


@pytest.mark.parametrize("member", ["d", "p", "q", "dp", "dq", "qi"])
def test_a_key_with_a_private_member_is_refused(rsa_key, member):
    private = RSAAlgorithm.to_jwk(rsa_key, as_dict=True)
    leaked = {**public_jwk_of(rsa_key), member: private[member]}

    with pytest.raises(ValidationFailed) as caught:
        parse_public_jwk(leaked)

    assert [issue.field for issue in caught.value.details] == ["public_key"]
    assert "private" in caught.value.details[0].issue


def test_an_ec_private_key_is_refused(ec_key):
    with pytest.raises(ValidationFailed):
        parse_public_jwk(ECAlgorithm.to_jwk(ec_key, as_dict=True))


def test_a_1024_bit_rsa_key_is_refused(weak_key):
    with pytest.raises(ValidationFailed) as caught:
        parse_public_jwk(public_jwk_of(weak_key))

    assert caught.value.details[0].field == "public_key"
    assert "2048" in caught.value.details[0].issue


def test_an_assertion_from_a_1024_bit_key_is_refused(weak_key):
    with pytest.warns(InsecureKeyLengthWarning):
        assertion = sign(weak_key)

    with pytest.raises(NotAuthenticated):
        verify(assertion, weak_key)


@pytest.mark.parametrize(
    "change",
    [
        {"kty": "oct", "k": "c2VjcmV0"},
        {"kty": "OKP"},
        {"crv": "P-384"},
        {"y": "not base64url!"},
        {"y": b64((1).to_bytes(32, "big"))},
    ],
    ids=["symmetric", "okp", "p-384", "bad-y", "point-off-the-curve"],
)
def test_an_unusable_ec_or_other_key_is_refused(ec_key, change):
    with pytest.raises(ValidationFailed):
        parse_public_jwk({**public_jwk_of(ec_key), **change})


def test_ec_coordinates_must_be_exactly_32_bytes(ec_key):
    jwk = public_jwk_of(ec_key)
    padded = b64(b"\0" + base64.urlsafe_b64decode(jwk["x"] + "="))

    with pytest.raises(ValidationFailed, match="not usable") as caught:
        parse_public_jwk({**jwk, "x": padded})

    assert "32 bytes" in caught.value.details[0].issue


def test_an_rsa_key_with_an_unusable_exponent_is_refused(rsa_key):
    for exponent in (1, 2, 2**40 + 1):
        bad = {**public_jwk_of(rsa_key), "e": b64(exponent.to_bytes(8, "big").lstrip(b"\0"))}
        with pytest.raises(ValidationFailed):
            parse_public_jwk(bad)


def test_the_thumbprint_is_rfc_7638s():
    assert jwk_thumbprint(RFC_7638_KEY) == RFC_7638_THUMBPRINT


def test_an_rsa_thumbprint_is_the_name_our_own_key_ring_gives_the_same_key(rsa_key):
    assert jwk_thumbprint(public_jwk_of(rsa_key)) == thumbprint(rsa_key.public_key())


def test_an_ec_thumbprint_hashes_its_required_members_in_order(ec_key):
    jwk = public_jwk_of(ec_key)
    canonical = f'{{"crv":"P-256","kty":"EC","x":"{jwk["x"]}","y":"{jwk["y"]}"}}'

    assert jwk_thumbprint({**jwk, "kid": "ignored"}) == b64(
        hashlib.sha256(canonical.encode()).digest()
    )
