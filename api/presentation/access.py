"""Who may call a route, declared beside its handler: in its `Operation` (the OpenAPI
document's `security` comes from the same value), or with `@access(...)` on the few routes
outside the document. The guard middleware reads the matched route's declaration; a route
that declares nothing needs a token. Beside it, a route declares the scope a machine client's
token needs to call it; a route that declares none is for people only."""

from collections.abc import Callable
from enum import Enum
from typing import Any, Literal, TypeVar

from api.domain.clients import SCOPES

H = TypeVar("H", bound=Callable[..., Any])


class TokenUse(Enum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    IGNORED = "ignored"


# The per-address allowance a caller without a valid token spends (settings.rate_limit_*).
Bucket = Literal["ip", "auth", "public", "token"]


class Access(Enum):
    # A token is required; without one, the address's general allowance is spent, then 401.
    BEARER = (TokenUse.REQUIRED, "ip")
    # The caller's own account and sessions: a token is required; without one, the address's
    # allowance for credential routes is spent, as on sign-in.
    ACCOUNT = (TokenUse.REQUIRED, "auth")
    # Register, log in, refresh: no token needed; one that verifies spends its user's allowance.
    SIGN_IN = (TokenUse.OPTIONAL, "auth")
    # A machine client trades its credentials for a token: Authorization carries them (HTTP
    # Basic), never a bearer token; the address's allowance for token requests.
    CLIENT_CREDENTIALS = (TokenUse.IGNORED, "token")
    # A route that checks a credential of its own (the metrics scrape): no access token needed.
    OPEN = (TokenUse.OPTIONAL, "ip")
    # Anyone holding a product reads it by its code: tokens ignored, limited per address.
    PUBLIC = (TokenUse.IGNORED, "public")
    # Cheap and needed while Redis is down (health) or by other services (keys, docs):
    # no token, no rate limit, no Redis.
    UNGUARDED = (None, None)

    @property
    def token_use(self) -> TokenUse | None:
        use: TokenUse | None = self.value[0]
        return use

    @property
    def anonymous_bucket(self) -> Bucket | None:
        bucket: Bucket | None = self.value[1]
        return bucket

    @property
    def guarded(self) -> bool:
        return self is not Access.UNGUARDED

    @property
    def needs_token(self) -> bool:
        return self.token_use is TokenUse.REQUIRED


# What the guard assumes of a route that declares nothing: fail safe.
UNDECLARED = Access.BEARER
ATTRIBUTE = "route_access"
SCOPE_ATTRIBUTE = "route_scope"


def access(kind: Access, scope: str | None = None) -> Callable[[H], H]:
    """Declare the access of a route that has no `Operation` (it is not in the document)."""

    def mark(handler: H) -> H:
        declare(handler, kind, scope)
        return handler

    return mark


def declare(handler: Any, kind: Access, scope: str | None) -> None:
    if ATTRIBUTE in handler.__dict__:
        raise TypeError(f"{handler.__name__} declares its access twice")
    if scope is not None and scope not in SCOPES:
        raise ValueError(f"{handler.__name__} declares an unknown scope {scope}")
    handler.__dict__[ATTRIBUTE] = kind
    handler.__dict__[SCOPE_ATTRIBUTE] = scope


def declared_access(handler: Any) -> Access | None:
    """The handler's declaration, through wrappers (functools.wraps) and the HEAD handlers
    sanic-ext derives from GET ones."""
    declaring = _declaring(handler)
    return getattr(declaring, ATTRIBUTE) if declaring is not None else None


def declared_scope(handler: Any) -> str | None:
    """The scope a machine client needs for the route; None: people only."""
    declaring = _declaring(handler)
    return getattr(declaring, SCOPE_ATTRIBUTE, None) if declaring is not None else None


def _declaring(handler: Any) -> Any:
    while handler is not None:
        if isinstance(getattr(handler, ATTRIBUTE, None), Access):
            return handler
        handler = getattr(handler, "__wrapped__", None) or getattr(
            handler, "__route_handler__", None
        )
    return None
