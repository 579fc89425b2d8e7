"""Sentry error reporting: on only with a DSN, never with a secret in what it sends."""

from typing import Any

import sentry_sdk

from api import __version__
from api.infrastructure.redaction import redact_data


def scrub(event: Any, _hint: Any) -> Any:
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)
        request.pop("cookies", None)
    return redact_data(event)


def init_sentry(
    dsn: str | None,
    environment: str,
    release: str | None,
    sample_rate: float,
    traces_sample_rate: float,
) -> bool:
    if not dsn:
        return False
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or f"agrobridge-api@{__version__}",
        sample_rate=sample_rate,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        # Our error handler reports exceptions itself, with the request id and user id.
        auto_enabling_integrations=False,
        before_send=scrub,
        before_send_transaction=scrub,
    )
    return True


def report(
    exception: BaseException, request_id: str, user_id: str | None, request_info: dict[str, str]
) -> None:
    """Send an unhandled error (a no-op when Sentry is off)."""
    with sentry_sdk.new_scope() as scope:
        scope.set_tag("request_id", request_id)
        if user_id:
            scope.set_user({"id": user_id})
        scope.set_context("request", request_info)
        sentry_sdk.capture_exception(exception)


def flush() -> None:
    sentry_sdk.flush(timeout=2)
