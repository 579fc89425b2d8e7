"""Every error becomes one JSON shape with the request's id: domain errors by their kind,
unreachable dependencies as 503, Sanic's own refusals by status, anything else as a 500."""

import uuid

import asyncpg
import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from tortoise.exceptions import DBConnectionError

import api.app  # noqa: F401  (every module that defines an error, imported)
from api.domain import errors
from api.domain.batches import IllegalTransition
from api.domain.users import Role
from api.infrastructure.faults import DependencyUnavailable
from api.presentation.errors import DOMAIN_ERRORS, UnsupportedMediaType
from tests.http.harness import bearer

STATUS = {
    errors.MalformedInput: (400, "bad_request"),
    UnsupportedMediaType: (415, "unsupported_media_type"),
    errors.NotAuthenticated: (401, "unauthorized"),
    errors.InvalidToken: (401, "unauthorized"),
    errors.NotPermitted: (403, "forbidden"),
    IllegalTransition: (409, "conflict"),
    errors.NotFound: (404, "not_found"),
    errors.Hidden: (404, "not_found"),
    errors.Conflict: (409, "conflict"),
    errors.ValidationFailed: (422, "validation_error"),
    errors.Throttled: (429, "rate_limited"),
    errors.Unavailable: (503, "unavailable"),
    errors.Overloaded: (503, "unavailable"),
    # The token endpoint's (RFC 6749 section 5.2).
    errors.InvalidClient: (401, "invalid_client"),
    errors.InvalidRequest: (400, "invalid_request"),
    errors.InvalidScope: (400, "invalid_scope"),
    errors.UnsupportedGrantType: (400, "unsupported_grant_type"),
}


def every_error_class() -> set[type[errors.DomainError]]:
    found, todo = set(), [errors.DomainError]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return found


def test_every_error_the_code_can_raise_has_a_status():
    assert every_error_class() == set(STATUS) == set(DOMAIN_ERRORS)


async def test_an_error_without_a_status_is_answered_as_a_bug(api, fakes):
    failing(fakes, errors.DomainError("of no kind"))
    caller = bearer(fakes.token(await fakes.user(Role.PRODUCER)))

    response = await api.get(f"/api/v1/batches/{uuid.uuid4()}", headers=caller)

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"


def make(kind: type[errors.DomainError]) -> errors.DomainError:
    if kind in (errors.Throttled, errors.Overloaded):
        return kind("slow down", 9)
    return kind("it went wrong", [errors.FieldIssue("product", "too long")])


@pytest.fixture
async def caller(fakes):
    return bearer(fakes.token(await fakes.user(Role.PRODUCER)))


def failing(fakes, exc: BaseException) -> None:
    async def get(batch_id):
        raise exc

    fakes.batches.get = get


KINDS = sorted(STATUS, key=lambda kind: kind.__name__)


@pytest.mark.parametrize("kind", KINDS, ids=[kind.__name__ for kind in KINDS])
async def test_a_domain_error_becomes_its_status_in_the_error_shape(api, fakes, caller, kind):
    failing(fakes, make(kind))

    response = await api.get(
        f"/api/v1/batches/{uuid.uuid4()}", headers={**caller, "X-Request-ID": "trace-me-1"}
    )

    status, code = STATUS[kind]
    waits = kind in (errors.Throttled, errors.Overloaded)
    assert response.status_code == status
    assert response.headers["X-Request-ID"] == "trace-me-1"
    assert response.json() == {
        "error": {
            "code": code,
            "message": "slow down" if waits else "it went wrong",
            "request_id": "trace-me-1",
            **({} if waits else {"details": [{"field": "product", "issue": "too long"}]}),
        }
    }
    if status == 401:
        # A client refused at the token endpoint is asked for its Basic credentials.
        challenge = 'Basic realm="agrobridge"' if kind is errors.InvalidClient else "Bearer"
        assert response.headers["WWW-Authenticate"] == challenge
    if waits:
        assert response.headers["Retry-After"] == "9"


@pytest.mark.parametrize("kind", [errors.NotPermitted, errors.Hidden])
async def test_refusals_are_audited_as_denials(api, fakes, caller, kind):
    failing(fakes, kind("not yours", target_type="batch", target_id="b-1"))

    response = await api.get(f"/api/v1/batches/{uuid.uuid4()}", headers=caller)

    [denial] = fakes.audit.of("access.denied")
    assert (denial.target_type, denial.target_id) == ("batch", "b-1")
    assert denial.metadata["status"] == response.status_code
    assert denial.metadata["route"] == "/api/v1/batches/<batch_id:str>"


@pytest.mark.parametrize(
    ("exc", "dependency"),
    [
        (RedisConnectionError("Connection refused"), "redis"),
        (DBConnectionError("gone"), "postgres"),
        (asyncpg.exceptions.ConnectionDoesNotExistError("gone"), "postgres"),
        (DependencyUnavailable("postgres", "pool exhausted"), "postgres"),
    ],
    ids=["redis", "tortoise", "asyncpg", "ours"],
)
async def test_an_unreachable_dependency_is_a_503_naming_it(api, fakes, caller, exc, dependency):
    failing(fakes, exc)

    response = await api.get(f"/api/v1/batches/{uuid.uuid4()}", headers=caller)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    error = response.json()["error"]
    assert error["code"] == "unavailable"
    assert error["message"] == f"{dependency} is unavailable; retry later"


async def test_a_bug_is_a_500_that_says_nothing_but_the_request_id(api, fakes, caller):
    failing(fakes, KeyError("secret detail"))

    response = await api.get(f"/api/v1/batches/{uuid.uuid4()}", headers=caller)

    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "internal_error"
    assert "secret" not in response.text
    assert error["request_id"] == response.headers["X-Request-ID"]


async def test_an_unknown_path_is_a_404_in_the_error_shape(api):
    response = await api.get("/api/v1/nothing-here")

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["message"] == "no route for GET /api/v1/nothing-here"


async def test_a_wrong_method_is_a_405_with_allow(api):
    response = await api.delete("/api/v1/auth/login")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "bad_request"),
        (b"product=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b'{"product": 7}', "application/json", 422, "validation_error"),
    ],
    ids=["malformed", "not-json", "schema"],
)
async def test_bad_bodies_are_refused_by_kind(api, caller, content, content_type, status, code):
    response = await api.post(
        "/api/v1/batches", content=content, headers={**caller, "Content-Type": content_type}
    )

    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


async def test_schema_violations_name_the_fields(api, caller):
    response = await api.post("/api/v1/batches", json={"product": 7, "extra": 1}, headers=caller)

    fields = {d["field"]: d["issue"] for d in response.json()["error"]["details"]}
    assert fields["extra"] == "unknown field"
    assert "product" in fields


async def test_a_malformed_request_id_is_replaced(api):
    response = await api.get("/api/v1/health/", headers={"X-Request-ID": "bad id!"})

    assert response.headers["X-Request-ID"] != "bad id!"
    assert len(response.headers["X-Request-ID"]) == 32
