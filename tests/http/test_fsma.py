"""The FSMA 204 records route over in-memory fakes: its formats, its file names, whose records
it shows, and its answers to a bad query (docs/API.md, "FSMA 204 records")."""

import csv
import io
import json
from typing import Any

import pytest

from api.domain.users import Role
from api.presentation.schemas.fsma import RecordRowOut, RecordsOut
from tests.http.harness import bearer

URL = "/api/v1/fsma204/records"
BATCH = {
    "product": "romaine lettuce",
    "variety": "green",
    "origin": {"farm": "La Loma", "region": "Michoacan", "country": "MX"},
    "harvest_date": "2031-05-01",
    "quantity": "900",
    "unit": "kg",
}


@pytest.fixture
async def producer(fakes):
    return bearer(fakes.token(await fakes.user(Role.PRODUCER)))


async def _rows(api: Any, headers: dict[str, str], **params: str) -> list[dict[str, str]]:
    answer = await api.get(URL, params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return list(csv.DictReader(io.StringIO(answer.text)))


async def test_an_organisation_exports_its_harvests_as_a_csv_file(api, producer):
    batch = (await api.post("/api/v1/batches", json=BATCH, headers=producer)).json()

    answer = await api.get(URL, headers=producer)

    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8; header=present"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="fsma204-records.csv"'
    (row,) = list(csv.DictReader(io.StringIO(answer.text)))
    assert row["Critical tracking event"] == "harvesting"
    assert row["Traceability lot code"] == batch["code"]
    assert row["Harvest date"] == "2031-05-01"
    # Nothing is silently blank: the harvest names what it lacks.
    assert "reference_document" in row["Missing key data elements"]
    assert "subsequent_recipient_location" in row["Missing key data elements"]


async def test_json_is_one_array_of_row_objects_and_xlsx_a_workbook(api, producer):
    await api.post("/api/v1/batches", json=BATCH, headers=producer)

    as_json = await api.get(URL, params={"format": "json"}, headers=producer)
    as_xlsx = await api.get(
        URL, params={"format": "xlsx", "from": "2020-01-01", "to": "2099-12-31"}, headers=producer
    )

    assert as_json.headers["Content-Type"] == "application/json"
    (row,) = json.loads(as_json.content)
    assert row["cte"] == "harvesting"
    assert row["harvest_date"] == "2031-05-01"
    assert isinstance(row["missing_kdes"], list)
    assert as_xlsx.status_code == 200, as_xlsx.text
    assert as_xlsx.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert as_xlsx.headers["Content-Disposition"] == (
        'attachment; filename="fsma204-records_2020-01-01_2099-12-31.xlsx"'
    )
    assert as_xlsx.content[:2] == b"PK"


async def test_others_see_none_of_an_organisations_records_and_auditors_see_them(
    api, fakes, producer
):
    batch = (await api.post("/api/v1/batches", json=BATCH, headers=producer)).json()
    other = bearer(fakes.token(await fakes.user(Role.PRODUCER)))
    auditor = bearer(fakes.token(await fakes.user(Role.AUDITOR)))

    assert await _rows(api, other) == []
    codes = [row["Traceability lot code"] for row in await _rows(api, auditor)]
    assert batch["code"] in codes


async def test_the_filters_choose_the_rows(api, producer):
    batch = (await api.post("/api/v1/batches", json=BATCH, headers=producer)).json()
    await api.post("/api/v1/batches", json=BATCH | {"product": "cucumber"}, headers=producer)

    by_lot = await _rows(api, producer, lot=batch["code"])
    by_product = await _rows(api, producer, product="Cucumber")
    by_cte = await _rows(api, producer, cte="shipping,receiving")
    before = await _rows(api, producer, to="2000-01-01")

    assert [row["Traceability lot code"] for row in by_lot] == [batch["code"]]
    assert [row["Product description"] for row in by_product] == ["cucumber, green"]
    assert by_cte == []
    assert before == []


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2031-13-01"},
        {"to": "yesterday"},
        {"from": "2031-05-02", "to": "2031-05-01"},
        {"cte": "packing"},
        {"cte": "shipping,"},
        {"format": "pdf"},
        {"lot": ""},
        {"product": ""},
    ],
)
async def test_a_bad_query_is_a_400_with_the_error_shape(api, producer, params):
    answer = await api.get(URL, params=params, headers=producer)

    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "bad_request"
    assert answer.json()["error"]["request_id"]


async def test_without_a_token_the_records_are_refused(api):
    answer = await api.get(URL)

    assert answer.status_code == 401


async def test_the_json_rows_are_what_the_document_says(api, producer):
    await api.post("/api/v1/batches", json=BATCH, headers=producer)

    rows = (await api.get(URL, params={"format": "json"}, headers=producer)).json()

    assert RecordsOut.model_validate(rows).model_dump() == rows
    assert list(rows[0]) == list(RecordRowOut.model_fields)


async def _shipped(api: Any, fakes: Any, producer: dict[str, str]) -> tuple[Any, dict[str, str]]:
    buyer_user = await fakes.user(Role.BUYER)
    buyer = bearer(fakes.token(buyer_user))
    batch = (await api.post("/api/v1/batches", json=BATCH, headers=producer)).json()
    document = {"type": "bill_of_lading", "number": "BOL-9"}
    shipped = await api.post(
        f"/api/v1/batches/{batch['id']}/status",
        json={"status": "in_transit", "recipient": str(buyer_user.id),
              "reference_document": document},
        headers=producer,
    )  # fmt: skip
    assert shipped.status_code == 200, shipped.text
    return batch, buyer


async def test_a_shipment_keeps_its_document_and_only_a_shipment_takes_one(api, fakes, producer):
    batch, buyer = await _shipped(api, fakes, producer)
    document = {"type": "receiving_advice", "number": "RA-1"}

    refused = await api.post(
        f"/api/v1/batches/{batch['id']}/status",
        json={"status": "delivered", "reference_document": document},
        headers=buyer,
    )
    events = (await api.get(f"/api/v1/batches/{batch['id']}/events", headers=producer)).json()

    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "reference_document"
    shipped = events["data"][-1]
    assert shipped["type"] == "shipped"
    assert shipped["data"]["reference_document"] == {"type": "bill_of_lading", "number": "BOL-9"}


async def test_a_split_divides_unless_told_to_repack_and_records_which(api, fakes, producer):
    parts = [{"quantity": "500"}, {"quantity": "400"}]
    divided = (await api.post("/api/v1/batches", json=BATCH, headers=producer)).json()
    repacked = (await api.post("/api/v1/batches", json=BATCH, headers=producer)).json()

    by_default = await api.post(
        f"/api/v1/batches/{divided['id']}/split", json={"parts": parts}, headers=producer
    )
    by_choice = await api.post(
        f"/api/v1/batches/{repacked['id']}/split",
        json={"parts": parts, "kind": "repack"},
        headers=producer,
    )
    unknown = await api.post(
        f"/api/v1/batches/{repacked['id']}/split",
        json={"parts": parts, "kind": "shred"},
        headers=producer,
    )
    events = (await api.get(f"/api/v1/batches/{repacked['id']}/events", headers=producer)).json()

    assert [c["split_kind"] for c in by_default.json()["children"]] == ["divide", "divide"]
    assert [c["split_kind"] for c in by_choice.json()["children"]] == ["repack", "repack"]
    assert by_choice.json()["parent"]["split_kind"] is None
    assert unknown.status_code == 422
    assert events["data"][-1]["data"]["kind"] == "repack"
    rows = await _rows(api, producer, cte="transformation")
    assert [row["Traceability lot code"] for row in rows] == [
        child["code"] for child in by_choice.json()["children"]
    ]
