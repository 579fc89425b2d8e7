"""The one place where errors become HTTP responses, all in one JSON shape."""

from typing import Any

from loguru import logger
from pydantic import ValidationError
from sanic import HTTPResponse, Request, json
from sanic.exceptions import MethodNotAllowed, RequestCancelled, SanicException
from sanic.handlers import ErrorHandler

from api.domain.batches import IllegalTransition
from api.domain.errors import (
    Conflict,
    DomainError,
    FieldIssue,
    Hidden,
    InvalidClient,
    InvalidRequest,
    InvalidScope,
    InvalidToken,
    MalformedInput,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    Overloaded,
    Throttled,
    Unavailable,
    UnsupportedGrantType,
    ValidationFailed,
)
from api.infrastructure.db.data_errors import caused_by_bad_data, caused_by_missing_user
from api.infrastructure.faults import UNAVAILABLE_ERRORS, dependency_name
from api.infrastructure.sentry import report
from api.presentation.request_id import HEADER, request_id


class UnsupportedMediaType(MalformedInput):
    """A body that is not JSON."""


# Every error the inner layers raise, by class: its status and its code in the error shape.
# No default: an error missing here is answered as a bug (500), and tests/http/test_errors.py
# fails until it is added.
DOMAIN_ERRORS: dict[type[DomainError], tuple[int, str]] = {
    MalformedInput: (400, "bad_request"),
    UnsupportedMediaType: (415, "unsupported_media_type"),
    NotAuthenticated: (401, "unauthorized"),
    InvalidToken: (401, "unauthorized"),
    NotPermitted: (403, "forbidden"),
    NotFound: (404, "not_found"),
    Hidden: (404, "not_found"),
    Conflict: (409, "conflict"),
    IllegalTransition: (409, "conflict"),
    ValidationFailed: (422, "validation_error"),
    Throttled: (429, "rate_limited"),
    Unavailable: (503, "unavailable"),
    Overloaded: (503, "unavailable"),
    # The token endpoint's, named as RFC 6749 section 5.2 names them.
    InvalidClient: (401, "invalid_client"),
    InvalidRequest: (400, "invalid_request"),
    InvalidScope: (400, "invalid_scope"),
    UnsupportedGrantType: (400, "unsupported_grant_type"),
}
# RFC 6749 section 5.2: a client that authenticated with HTTP Basic, or tried to, is asked to.
BASIC_CHALLENGE = 'Basic realm="agrobridge"'
# nginx's status for a request whose client hung up before the answer: not a server error.
CLIENT_CLOSED = 499
SANIC_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "payload_too_large",
    415: "unsupported_media_type",
    416: "bad_request",
    503: "unavailable",
}


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: list[FieldIssue] | None = None,
    headers: dict[str, str] | None = None,
) -> HTTPResponse:
    rid = request_id(request)
    body: dict[str, Any] = {"code": code, "message": message, "request_id": rid}
    if details:
        body["details"] = [{"field": d.field, "issue": d.issue} for d in details]
    return json({"error": body}, status=status, headers={**(headers or {}), HEADER: rid})


def validation_issues(exc: ValidationError) -> list[FieldIssue]:
    issues = []
    for err in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in err["loc"]) or "body"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        issues.append(FieldIssue(where, message))
    return issues


def _domain_headers(exc: DomainError) -> dict[str, str] | None:
    if isinstance(exc, Throttled | Overloaded):
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, InvalidClient):
        return {"WWW-Authenticate": BASIC_CHALLENGE}
    if isinstance(exc, NotAuthenticated):
        return {"WWW-Authenticate": "Bearer"}
    return None


def unavailable(request: Request, dependency: str, reason: str) -> HTTPResponse:
    logger.warning("{} unavailable: {}", dependency, reason)
    return error_response(
        request,
        503,
        "unavailable",
        f"{dependency} is unavailable; retry later",
        headers={"Retry-After": "1"},
    )


class JsonErrorHandler(ErrorHandler):
    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        if isinstance(exception, RequestCancelled):
            # Nobody reads this answer; it is only counted and logged as nginx would.
            logger.info("client closed the connection before the answer")
            return error_response(
                request, CLIENT_CLOSED, "client_closed_request", "client closed the request"
            )
        if isinstance(exception, DomainError) and type(exception) in DOMAIN_ERRORS:
            if isinstance(exception, (NotPermitted, Hidden)):
                request.ctx.refusal = exception  # for the audit trail (presentation/refusals)
            headers = _domain_headers(exception)
            status, code = DOMAIN_ERRORS[type(exception)]
            return error_response(
                request, status, code, exception.message, exception.details, headers
            )
        if isinstance(exception, SanicException) and exception.status_code < 500:
            return self._sanic(request, exception)
        if isinstance(exception, SanicException) and exception.status_code == 503:
            # Sanic's own response timeout: the handler outlived RESPONSE_TIMEOUT.
            return unavailable(request, "the API", str(exception).lower() or "busy")
        if caused_by_missing_user(exception):
            return error_response(
                request,
                401,
                "unauthorized",
                "the account this token was issued to no longer exists; log in again",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if caused_by_bad_data(exception):
            # Input validation should have refused it: a 400, and a warning to tighten it.
            logger.warning("bad data reached the database on {}", request.path)
            return error_response(
                request, 400, "bad_request", "a value in the request cannot be stored"
            )
        if isinstance(exception, UNAVAILABLE_ERRORS):
            reason = getattr(exception, "reason", type(exception).__name__)
            return unavailable(request, dependency_name(exception), reason)
        logger.opt(exception=exception).error("unhandled error on {}", request.path)
        claims = getattr(request.ctx, "claims", None)
        report(
            exception,
            request_id(request),
            str(claims.user_id) if claims else None,
            {"method": request.method, "path": request.path},
        )
        return error_response(
            request, 500, "internal_error", "internal error; quote the request id when reporting it"
        )

    def _sanic(self, request: Request, exc: SanicException) -> HTTPResponse:
        status = exc.status_code
        code = SANIC_CODES.get(status, "bad_request")
        headers = {k: str(v) for k, v in (exc.headers or {}).items()}
        if isinstance(exc, MethodNotAllowed):
            headers["Allow"] = ", ".join(sorted(exc.allowed_methods or ()))
        message = f"no route for {request.method} {request.path}" if status == 404 else str(exc)
        return error_response(request, status, code, message, headers=headers)
