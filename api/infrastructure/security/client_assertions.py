"""Machine clients authenticate with RFC 7523 client assertions (OpenID Connect's
private_key_jwt): a short-lived JWT about themselves, signed with a key whose public half they
registered with us. The key comes from the registration, never from the assertion."""

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import Collection, Mapping, Sequence
from contextlib import suppress
from datetime import UTC, datetime

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey, RSAPublicNumbers

from api.application.ports import AssertionClaims
from api.domain.errors import FieldIssue, NotAuthenticated, ValidationFailed
from api.infrastructure.security.keys import public_jwk

# Asymmetric only: never "none", never HS* (the classic confusion signs with the public key as
# an HMAC secret). Each algorithm names the key type it may be verified with.
KEY_TYPES = {"RS256": "RSA", "PS256": "RSA", "ES256": "EC"}
# Members that hold a private or symmetric key: a client that sends one has leaked it.
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
MIN_RSA_BITS = 2048
# Upper bounds keep one verification cheap whatever a client registers.
MAX_RSA_BITS = 8192
MAX_RSA_EXPONENT = 2**32
P256_BYTES = 32
MAX_JTI_LENGTH = 256
BASE64URL = re.compile(r"[A-Za-z0-9_-]+")

PublicKey = RSAPublicKey | ec.EllipticCurvePublicKey


def verify_client_assertion(
    assertion: str,
    client_id: str,
    public_jwk: Mapping[str, object],
    audience: str | Collection[str],
    now: datetime,
    max_lifetime_seconds: int = 300,
    leeway_seconds: int = 5,
) -> AssertionClaims:
    """Check an assertion that `client_id` signed with its registered key, for our token
    endpoint `audience` (one of them, when given several names); raise NotAuthenticated on any
    fault.

    Single use is the caller's job: store the returned `jti` for the client until
    `expires_at` plus the leeway (a Redis SET NX with that expiry) and refuse the assertion
    when it is already there, as RFC 7523 section 3 asks.
    """
    try:
        key = _public_key(public_jwk)
    except ValueError:
        raise NotAuthenticated("the client's registered key is not usable") from None
    claims = _signed_claims(assertion, key)
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise NotAuthenticated("client assertion: iss and sub must both be the client id")
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    accepted = {audience} if isinstance(audience, str) else set(audience)
    if not accepted.intersection(a for a in audiences if isinstance(a, str)):
        raise NotAuthenticated("client assertion: aud must name the token endpoint")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 1 <= len(jti) <= MAX_JTI_LENGTH:
        raise NotAuthenticated("client assertion: jti must be a string of 1 to 256 characters")
    exp = _check_times(claims, now.timestamp(), max_lifetime_seconds, leeway_seconds)
    return AssertionClaims(jti, datetime.fromtimestamp(exp, UTC))


class Rfc7523Assertions:
    """The ClientAssertions port (api/application/ports.py) over the functions here."""

    def public_key(self, jwk: Mapping[str, object]) -> dict[str, object]:
        return dict(parse_public_jwk(jwk))

    def claimed_client(self, assertion: str) -> str | None:
        try:
            sub = jwt.decode(assertion, options={"verify_signature": False}).get("sub")
        except jwt.PyJWTError:
            return None
        return sub if isinstance(sub, str) else None

    def verify(
        self,
        assertion: str,
        client_id: str,
        public_jwk: Mapping[str, object],
        audiences: Sequence[str],
        now: datetime,
    ) -> AssertionClaims:
        return verify_client_assertion(assertion, client_id, public_jwk, audiences, now)


def parse_public_jwk(value: Mapping[str, object]) -> dict[str, str]:
    """A client's public JWK as registered: RSA of 2048 bits or more, or EC on P-256; only its
    public members come back, in canonical form (what jwk_thumbprint hashes)."""
    try:
        return _canonical(_public_key(value))
    except ValueError as exc:
        raise ValidationFailed(
            "the public key is not usable", [FieldIssue("public_key", str(exc))]
        ) from None


def jwk_thumbprint(jwk: Mapping[str, object]) -> str:
    """RFC 7638: base64url SHA-256 of the key's required members; a stable name for the key."""
    canonical = json.dumps(parse_public_jwk(jwk), sort_keys=True, separators=(",", ":"))
    return _b64encode(hashlib.sha256(canonical.encode()).digest())


def _signed_claims(assertion: str, key: PublicKey) -> dict[str, object]:
    try:
        alg = str(jwt.get_unverified_header(assertion).get("alg"))
        if KEY_TYPES.get(alg) != ("RSA" if isinstance(key, RSAPublicKey) else "EC"):
            raise NotAuthenticated("client assertion: algorithm not allowed for the client's key")
        signed = jwt.PyJWS().decode_complete(assertion, key, algorithms=[alg])
        claims = json.loads(signed["payload"])
    except (jwt.PyJWTError, ValueError) as exc:
        raise NotAuthenticated("client assertion is invalid") from exc
    if not isinstance(claims, dict):
        raise NotAuthenticated("client assertion is invalid")
    return claims


def _check_times(claims: dict[str, object], now: float, max_lifetime: int, leeway: int) -> float:
    """The assertion's expiry, once it is current and not made to last longer than allowed."""
    exp, iat, nbf = (_time(claims, name) for name in ("exp", "iat", "nbf"))
    if exp is None:
        raise NotAuthenticated("client assertion: exp is required")
    if now >= exp + leeway:
        raise NotAuthenticated("client assertion has expired")
    if nbf is not None and now < nbf - leeway:
        raise NotAuthenticated("client assertion is not valid yet")
    if iat is not None and iat > now + leeway:
        raise NotAuthenticated("client assertion is issued in the future")
    if exp - (now if iat is None else iat) > max_lifetime:
        raise NotAuthenticated(f"client assertion: lifetime over {max_lifetime} seconds")
    return exp


def _time(claims: dict[str, object], name: str) -> float | None:
    """A NumericDate claim, or None when absent; anything else (a string, NaN, 10**400) is
    refused."""
    value = claims.get(name)
    if value is None and name not in claims:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        with suppress(OverflowError):
            if math.isfinite(number := float(value)):
                return number
    raise NotAuthenticated(f"client assertion: {name} must be a number")


def _public_key(jwk: Mapping[str, object]) -> PublicKey:
    """The public key a JWK describes, checked; ValueError says what is wrong with it."""
    if leaked := sorted(PRIVATE_MEMBERS & set(jwk)):
        raise ValueError(f"private key members ({', '.join(leaked)}): send the public key only")
    kty = jwk.get("kty")
    if kty == "RSA":
        n, e = _uint(jwk, "n"), _uint(jwk, "e")
        if not MIN_RSA_BITS <= n.bit_length() <= MAX_RSA_BITS:
            raise ValueError(f"an RSA modulus of {MIN_RSA_BITS} to {MAX_RSA_BITS} bits is needed")
        if not 3 <= e < MAX_RSA_EXPONENT or e % 2 == 0:
            raise ValueError("the RSA exponent is not usable")
        return RSAPublicNumbers(e, n).public_key()
    if kty == "EC":
        if jwk.get("crv") != "P-256":
            raise ValueError("an EC key must be on curve P-256")
        x, y = _bytes(jwk, "x"), _bytes(jwk, "y")
        if len(x) != P256_BYTES or len(y) != P256_BYTES:
            raise ValueError("P-256 coordinates are 32 bytes each")
        # Refuses a point that is not on the curve (an invalid-curve attack's tool).
        numbers = ec.EllipticCurvePublicNumbers(
            int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
        )
        return numbers.public_key()
    raise ValueError("kty must be RSA or EC")


def _canonical(key: PublicKey) -> dict[str, str]:
    if isinstance(key, RSAPublicKey):
        return public_jwk(key)
    numbers = key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64encode(numbers.x.to_bytes(P256_BYTES, "big")),
        "y": _b64encode(numbers.y.to_bytes(P256_BYTES, "big")),
    }


def _uint(jwk: Mapping[str, object], name: str) -> int:
    return int.from_bytes(_bytes(jwk, name), "big")


def _bytes(jwk: Mapping[str, object], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str) or not BASE64URL.fullmatch(value):
        raise ValueError(f"{name} must be base64url without padding")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise ValueError(f"{name} must be base64url without padding") from None


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
