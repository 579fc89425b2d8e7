"""RS256 access tokens. Only RS256 is accepted; the key comes from our ring, never the token."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt

from api.application.ports import AccessClaims
from api.domain.errors import Unauthorized
from api.domain.users import Role, User
from api.infrastructure.security.keys import KeyRing

ALGORITHM = "RS256"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "exp", "nbf", "iat", "jti", "sid", "typ", "role"]


@dataclass
class JwtIssuer:
    keys: KeyRing
    issuer: str
    audience: str
    ttl_seconds: int
    leeway_seconds: int = 5

    def issue(self, user: User, session_id: UUID, at: datetime) -> tuple[str, int]:
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(user.id),
            "iat": at,
            "nbf": at,
            "exp": at + timedelta(seconds=self.ttl_seconds),
            "jti": uuid.uuid4().hex,
            "sid": str(session_id),
            "typ": "access",
            "role": user.role.value,
        }
        token = jwt.encode(
            claims,
            self.keys.signing_key,
            algorithm=ALGORITHM,
            headers={"kid": self.keys.signing_kid},
        )
        return token, self.ttl_seconds

    def verify(self, token: str) -> AccessClaims:
        try:
            header = jwt.get_unverified_header(token)
            key = self.keys.verify_keys.get(str(header.get("kid")))
            if key is None or header.get("alg") != ALGORITHM:
                raise Unauthorized("access token is invalid")
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"require": REQUIRED_CLAIMS},
            )
            if claims["typ"] != "access":
                raise Unauthorized("access token is invalid")
            return AccessClaims(
                user_id=UUID(claims["sub"]),
                role=Role(claims["role"]),
                session_id=UUID(claims["sid"]),
                token_id=claims["jti"],
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("access token has expired") from exc
        except (jwt.InvalidTokenError, ValueError, KeyError) as exc:
            raise Unauthorized("access token is invalid") from exc
