"""The served OpenAPI document: valid 3.1, the same bytes from every worker, complete, and in
agreement with docs/API.md and with the routes the server really has."""

import hashlib
import re
from pathlib import Path
from typing import Any

import httpx
from openapi_spec_validator import validate

from api.presentation.context import App
from api.presentation.errors import DOMAIN_ERRORS, SANIC_CODES
from api.presentation.openapi import UNDOCUMENTED, routes
from api.presentation.schemas.common import ERROR_CODES
from tests.support.server import RunningServer

API_MD = Path(__file__).parents[2] / "docs" / "API.md"
ROW = re.compile(r"^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \|.*\| ([0-9, ]+) \|$")
METHODS = {"get", "post", "put", "patch", "delete"}
LD_JSON_PATHS = {
    "/api/v1/batches/{batch_id}/epcis",
    "/api/v1/epcis/events",
    "/api/v1/epcis/events/{event_id}",
}
RECORD_MEDIA = (
    "text/csv; charset=utf-8; header=present",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/json",
)


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)  # picks the 3.1 validator from the `openapi` field


def test_every_worker_serves_the_same_bytes(contract_server: RunningServer) -> None:
    digests = set()
    for _ in range(20):  # a new connection each time: both workers answer
        with httpx.Client(timeout=10) as fresh:
            body = fresh.get(contract_server.url + "/docs/openapi.json").content
        digests.add(hashlib.sha256(body).hexdigest())
    assert len(digests) == 1


def test_every_route_of_the_server_is_documented(
    document: dict[str, Any], offline_app: App
) -> None:
    served = {(m, shape(p)) for p, m, _ in routes(offline_app) if p not in UNDOCUMENTED}
    documented = {(m, shape(p)) for m, p, _ in operations(document)}
    assert served == documented


def test_docs_api_md_and_the_document_list_the_same_endpoints_and_statuses(
    document: dict[str, Any],
) -> None:
    promised = {}
    for line in API_MD.read_text().splitlines():
        row = ROW.match(line.strip())
        if row:
            method, path, statuses = row.groups()
            promised[(method.lower(), shape(path))] = sorted(s.strip() for s in statuses.split(","))
    served = {(m, shape(p)): sorted(op["responses"]) for m, p, op in operations(document)}
    assert promised == served


def test_operation_ids_are_readable_and_unique(document: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(ids) == len(set(ids))
    for op_id in ids:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)+", op_id), op_id


def test_every_operation_and_response_is_described(document: dict[str, Any]) -> None:
    resolved = document["components"]["responses"]
    for method, path, op in operations(document):
        where = f"{method.upper()} {path}"
        assert op["summary"], where
        assert op["description"], where
        assert op["tags"], where
        for status, response in op["responses"].items():
            response = (
                resolved[response["$ref"].rsplit("/", 1)[1]] if "$ref" in response else response
            )
            assert response["description"] not in ("", "Default Response"), (where, status)
            assert "X-Request-ID" in response["headers"], (where, status)
            if status in ("204", "302", "304"):
                assert "content" not in response, where
            elif status == "200" and path.endswith((".svg", ".png")):
                media = "image/svg+xml" if path.endswith(".svg") else "image/png"
                assert set(response["content"]) == {media}, (where, status)
            elif status == "200" and path == "/api/v1/fsma204/records":
                # A file in the format asked for.
                assert set(response["content"]) == set(RECORD_MEDIA), (where, status)
            elif status == "200" and path in LD_JSON_PATHS:
                # GS1 EPCIS 2.0 is JSON-LD; its errors are our JSON error shape.
                assert set(response["content"]) == {"application/ld+json"}, (where, status)
            else:
                assert set(response["content"]) == {"application/json"}, (where, status)
        if "requestBody" in op:
            body = op["requestBody"]
            (media,) = body["content"].values()
            assert media["example"], where
            assert body["required"] is (op["operationId"] != "auth_logout"), where


def test_every_schema_has_a_description_and_bodies_have_examples(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    for name, schema in schemas.items():
        assert schema.get("description"), name
    for _, _, op in operations(document):
        for status, response in op["responses"].items():
            content = response.get("content", {})
            media = content.get("application/json") or content.get("application/ld+json")
            if media and status.startswith("2"):
                target = schemas[media["schema"]["$ref"].rsplit("/", 1)[1]]
                items = target.get("properties", {}).get("data", {}).get("items", {})
                named = items.get("$ref", media["schema"]["$ref"]).rsplit("/", 1)[1]
                assert schemas[named].get("examples"), (op["operationId"], status)


def test_what_every_kind_of_operation_can_answer_is_declared(document: dict[str, Any]) -> None:
    # A person's token, or a machine client's with the one scope the operation needs; at the
    # token endpoint, a client's credentials (HTTP Basic, or an assertion in the body).
    scopes = document["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]
    security: list[list[dict[str, list[str]]]] = [
        [{"bearerAuth": []}],
        [{"clientSecretBasic": []}, {}],
    ]
    security += [[{"bearerAuth": []}, {"oauth2": [s]}] for s in scopes["scopes"]]
    for method, path, op in operations(document):
        statuses, where = set(op["responses"]), f"{method.upper()} {path}"
        if op["security"]:
            assert op["security"] in security, where
            assert "401" in statuses, where
        if "requestBody" in op:
            form = "application/x-www-form-urlencoded" in op["requestBody"]["content"]
            # A form (OAuth's token request) answers what is wrong with it 400, as OAuth does.
            assert ({"400", "413"} if form else {"400", "413", "415", "422"}) <= statuses, where
        checked = [
            p
            for p in op.get("parameters", ())
            if p["in"] == "query" or p["name"] == "Idempotency-Key" or "uuid" in str(p["schema"])
        ]
        if checked:
            assert "400" in statuses, where
        if any(p["name"] == "If-None-Match" for p in op.get("parameters", ())):
            assert "304" in statuses, where
            assert "ETag" in op["responses"]["304"]["headers"], where
        if path.startswith("/api/v1/") and not path.startswith("/api/v1/health"):
            assert {"429", "503"} <= statuses, where


def test_the_error_schema_lists_every_code_the_server_answers(document: dict[str, Any]) -> None:
    codes = document["components"]["schemas"]["ErrorBody"]["properties"]["code"]["enum"]
    assert set(codes) == set(ERROR_CODES)
    domain_codes = {code for _, code in DOMAIN_ERRORS.values()}
    assert domain_codes | set(SANIC_CODES.values()) <= set(codes)
    assert all(ERROR_CODES[code] == status for status, code in DOMAIN_ERRORS.values())


def test_response_headers_are_declared(document: dict[str, Any]) -> None:
    ops = {op["operationId"]: op for _, _, op in operations(document)}
    created = ops["batches_create"]["responses"]["201"]["headers"]
    assert created["Location"] == {"$ref": "#/components/headers/Location"}
    limited = document["components"]["responses"]["RateLimited"]["headers"]
    assert "Retry-After" in limited
    assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(limited)
    assert "WWW-Authenticate" in document["components"]["responses"]["Unauthorized"]["headers"]
    assert "Allow" in document["components"]["headers"]


def test_the_constraints_the_server_enforces_are_in_the_document(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    assert "MX" in schemas["OriginIn"]["properties"]["country"]["enum"]
    assert len(schemas["OriginIn"]["properties"]["country"]["enum"]) == 249
    quantity = schemas["BatchIn"]["properties"]["quantity"]["pattern"]
    assert re.fullmatch(quantity, "1250.500")
    assert not re.fullmatch(quantity, "0")
    assert not re.fullmatch(quantity, "\u0661\u0662")  # Arabic-Indic digits
    harvest = schemas["BatchIn"]["properties"]["harvest_date"]
    assert harvest["format"] == "date"
    assert re.match(harvest["pattern"], "2026-10-02")
    assert not re.match(harvest["pattern"], "0001-01-01")
    listing = {p["name"]: p for p in document["paths"]["/api/v1/batches"]["get"]["parameters"]}
    assert (listing["limit"]["schema"]["minimum"], listing["limit"]["schema"]["maximum"]) == (
        1,
        100,
    )
    assert listing["created_from"]["schema"]["format"] == "date"
    status = listing["status"]["schema"]
    assert schemas[status["$ref"].rsplit("/", 1)[1]]["enum"] == [
        "registered",
        "in_transit",
        "delivered",
        "rejected",
        "cancelled",
        "split",
    ]
    batch_get = document["paths"]["/api/v1/batches/{batch_id}"]["get"]["parameters"][0]
    assert batch_get["schema"]["format"] == "uuid"
    assert schemas["BatchIn"]["additionalProperties"] is False


def test_a_created_batch_links_to_every_operation_that_takes_its_id(
    document: dict[str, Any],
) -> None:
    ops = {op["operationId"]: (path, op) for _, path, op in operations(document)}
    links = ops["batches_create"][1]["responses"]["201"]["links"]
    takes_batch_id = {op_id for op_id, (path, _) in ops.items() if "{batch_id}" in path}
    assert {link["operationId"] for link in links.values()} == takes_batch_id
    for link in links.values():
        assert link["parameters"] == {"batch_id": "$response.body#/id"}
