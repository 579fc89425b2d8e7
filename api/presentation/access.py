"""Who may call a route, declared beside its handler: in its `Operation` (the OpenAPI
document's `security` comes from the same value), or with `@access(...)` on the few routes
outside the document. The guard middleware reads the matched route's declaration; a route
that declares nothing needs a token."""

from collections.abc import Callable
from enum import Enum
from typing import Any, Literal, TypeVar

H = TypeVar("H", bound=Callable[..., Any])


class TokenUse(Enum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    IGNORED = "ignored"


# The per-address allowance a caller without a valid token spends (settings.rate_limit_*).
Bucket = Literal["ip", "auth", "public"]


class Access(Enum):
    # A token is required; without one, the address's general allowance is spent, then 401.
    BEARER = (TokenUse.REQUIRED, "ip")
    # The caller's own account and sessions: a token is required; without one, the address's
    # allowance for credential routes is spent, as on sign-in.
    ACCOUNT = (TokenUse.REQUIRED, "auth")
    # Register, log in, refresh: no token needed; one that verifies spends its user's allowance.
    SIGN_IN = (TokenUse.OPTIONAL, "auth")
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


def access(kind: Access) -> Callable[[H], H]:
    """Declare the access of a route that has no `Operation` (it is not in the document)."""

    def mark(handler: H) -> H:
        if ATTRIBUTE in handler.__dict__:
            raise TypeError(f"{handler.__name__} declares its access twice")
        handler.__dict__[ATTRIBUTE] = kind
        return handler

    return mark


def declared_access(handler: Any) -> Access | None:
    """The handler's declaration, through wrappers (functools.wraps) and the HEAD handlers
    sanic-ext derives from GET ones."""
    while handler is not None:
        kind = getattr(handler, ATTRIBUTE, None)
        if isinstance(kind, Access):
            return kind
        handler = getattr(handler, "__wrapped__", None) or getattr(
            handler, "__route_handler__", None
        )
    return None
