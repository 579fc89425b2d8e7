"""RS256 access tokens. Only RS256 is accepted; the key comes from our ring, never the token."""

import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt

from api.application.ports import AccessClaims
from api.domain.clients import ApiClient
from api.domain.errors import InvalidToken, NotAuthenticated
from api.domain.users import Role, User
from api.infrastructure.security.keys import KeyRing

ALGORITHM = "RS256"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "exp", "nbf", "iat", "jti", "sid", "typ", "role"]


@dataclass
class JwtTokens:
    keys: KeyRing
    issuer: str
    audience: str
    ttl_seconds: int
    leeway_seconds: int = 5
    # Clients send the same token many times: remember what a signature check established.
    # Expiry is still checked on every use; revocation is the deny-list's job.
    cache_size: int = 4096
    _verified: "OrderedDict[str, AccessClaims]" = field(default_factory=OrderedDict, repr=False)

    def issue(
        self,
        user: User,
        session_id: UUID,
        at: datetime,
        epoch: str = "",
        organisation_id: UUID | None = None,
    ) -> tuple[str, int]:
        claims = self._claims(user.id, session_id, user.role, at, epoch)
        if organisation_id is not None:
            claims["org"] = str(organisation_id)
        return self._sign(claims), self.ttl_seconds

    def issue_for_client(
        self, client: ApiClient, role: Role, scopes: frozenset[str], at: datetime, epoch: str
    ) -> tuple[str, int]:
        # The client is its own session: revoking it puts its id on the deny-list.
        claims = self._claims(client.id, client.id, role, at, epoch)
        claims["org"] = str(client.organisation_id)
        claims["client"] = client.name
        claims["scope"] = " ".join(sorted(scopes))
        # The guard needs the client's rate limit without asking the database.
        if client.rate_limit_per_minute is not None:
            claims["rl"] = client.rate_limit_per_minute
        return self._sign(claims), self.ttl_seconds

    def _claims(
        self, subject: UUID, session_id: UUID, role: Role, at: datetime, epoch: str
    ) -> dict[str, object]:
        claims: dict[str, object] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(subject),
            "iat": at,
            "nbf": at,
            "exp": at + timedelta(seconds=self.ttl_seconds),
            "jti": uuid.uuid4().hex,
            "sid": str(session_id),
            "typ": "access",
            "role": role.value,
        }
        if epoch:
            claims["epo"] = epoch
        return claims

    def _sign(self, claims: dict[str, object]) -> str:
        return jwt.encode(
            claims,
            self.keys.signing_key,
            algorithm=ALGORITHM,
            headers={"kid": self.keys.signing_kid},
        )

    def verify(self, token: str) -> AccessClaims:
        cached = self._verified.get(token)
        if cached is not None:
            if time.time() < cached.expires_at.timestamp() + self.leeway_seconds:
                return cached
            del self._verified[token]
        claims = self._verify_signed(token)
        self._verified[token] = claims
        if len(self._verified) > self.cache_size:
            self._verified.popitem(last=False)
        return claims

    def _verify_signed(self, token: str) -> AccessClaims:
        try:
            header = jwt.get_unverified_header(token)
            key = self.keys.verify_keys.get(str(header.get("kid")))
            if key is None or header.get("alg") != ALGORITHM:
                raise InvalidToken("access token is invalid")
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"require": REQUIRED_CLAIMS},
            )
            if claims["typ"] != "access" or not _well_typed(claims):
                raise InvalidToken("access token is invalid")
            client = claims.get("client")
            if client is not None and "org" not in claims:
                raise InvalidToken("access token is invalid")
            return AccessClaims(
                user_id=UUID(claims["sub"]),
                role=Role(claims["role"]),
                session_id=UUID(claims["sid"]),
                token_id=claims["jti"],
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
                issued_at=datetime.fromtimestamp(claims["iat"], UTC),
                epoch=claims.get("epo"),
                organisation_id=UUID(claims["org"]) if "org" in claims else None,
                client_name=client,
                scopes=frozenset(claims.get("scope", "").split()),
                rate_limit=claims.get("rl"),
            )
        except jwt.ExpiredSignatureError as exc:
            raise NotAuthenticated("access token has expired") from exc
        except InvalidToken:
            raise
        except (jwt.InvalidTokenError, ValueError, KeyError, OverflowError, OSError) as exc:
            raise InvalidToken("access token is invalid") from exc


def _well_typed(claims: dict[str, object]) -> bool:
    """A correctly signed token may still carry claims of the wrong type: refuse those."""
    strings = all(isinstance(claims[name], str) for name in ("sub", "sid", "jti", "role"))
    optional = ("epo", "org", "client", "scope")
    strings = strings and all(isinstance(claims.get(name, ""), str) for name in optional)
    times = [claims[name] for name in ("exp", "iat", "nbf")]
    numbers = all(isinstance(t, int | float) and not isinstance(t, bool) for t in times)
    limit = claims.get("rl", 1)
    whole = isinstance(limit, int) and not isinstance(limit, bool) and limit > 0
    return strings and numbers and whole
