"""FSMA 204 records over HTTP against the running server: a lot registered at a farm, shipped
under a bill of lading to a buyer's warehouse, received, repacked into two new lots, one of them
divided and a part shipped on. The CSV and the xlsx hold one row per critical tracking event and
lot, each with every key data element the rule requires or naming it missing; a divided part
ships under its lot's code; others see none of it, an auditor all of it."""

import csv
import io
import uuid
from datetime import date, time
from typing import Any

import httpx
import openpyxl
import pytest

from tests.e2e.conftest import assert_error, batch_body, sign_up, user_id
from tests.e2e.test_clients import client_auth, register_client

pytestmark = pytest.mark.e2e

Auth = dict[str, str]
URL = "/fsma204/records"

# The rule's Key Data Elements per Critical Tracking Event (21 CFR 1.1325(a)(1) harvesting,
# 1.1340(a) shipping, 1.1345(a) receiving, 1.1350(a) transformation), transcribed here on their
# own: each element's name as the missing column names it, and the columns that hold it.
QTY = ("Quantity", "Unit of measure")
REF = ("Reference document type", "Reference document number")
RULE: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "harvesting": [
        ("subsequent_recipient_location", ("Ship-to location (immediate subsequent recipient)",)),
        ("commodity_and_variety", ("Product description",)),
        ("quantity_and_unit", QTY),
        ("farm_location", ("Harvest farm location",)),
        ("field_name", ("Field or growing area",)),
        ("harvest_date", ("Harvest date",)),
        ("reference_document", REF),
    ],
    "shipping": [
        ("traceability_lot_code", ("Traceability lot code",)),
        ("quantity_and_unit", QTY),
        ("product_description", ("Product description",)),
        ("subsequent_recipient_location", ("Ship-to location (immediate subsequent recipient)",)),
        ("ship_from_location", ("Ship-from location",)),
        ("ship_date", ("Event date",)),
        ("tlc_source", ("Traceability lot code source",)),
        ("reference_document", REF),
    ],
    "receiving": [
        ("traceability_lot_code", ("Traceability lot code",)),
        ("quantity_and_unit", QTY),
        ("product_description", ("Product description",)),
        ("previous_source_location", ("Immediate previous source location",)),
        ("receiving_location", ("Receiving location",)),
        ("receiving_date", ("Event date",)),
        ("tlc_source", ("Traceability lot code source",)),
        ("reference_document", REF),
    ],
    "transformation": [
        ("input_lots", ("Input lots (code: quantity used, product)",)),
        ("traceability_lot_code", ("Traceability lot code",)),
        ("transformation_location", ("Traceability lot code source",)),
        ("transformation_date", ("Event date",)),
        ("product_description", ("Product description",)),
        ("quantity_and_unit", QTY),
        ("reference_document", REF),
    ],
}
MISSING = "Missing key data elements"
CTE = "Critical tracking event"
TLC = "Traceability lot code"


def place(client: httpx.Client, auth: Auth, kind: str, gln: str) -> dict[str, Any]:
    """A site described in full: name, phone, street address, coordinates, GLN."""
    org = user_id(client, auth)
    body = {
        "name": f"{kind} {uuid.uuid4().hex[:6]}", "kind": kind, "street": "Km 12 Carretera",
        "city": "Uruapan", "region": "Michoacan", "postal_code": "60000", "country": "MX",
        "phone": "+52 452 123 4567", "gln": gln,
    }  # fmt: skip
    made = client.post(f"/organisations/{org}/locations", json=body, headers=auth)
    assert made.status_code == 201, made.text
    location: dict[str, Any] = made.json()
    return location


def ship(
    client: httpx.Client, batch: str, sender: Auth, receiver: Auth, to: str, number: str, **at: Any
) -> None:
    document = {"type": "bill_of_lading", "number": number}
    shipped = client.post(
        f"/batches/{batch}/status", headers=sender,
        json={"status": "in_transit", "recipient": user_id(client, receiver),
              "ship_to_location_id": to, "reference_document": document} | at,
    )  # fmt: skip
    assert shipped.status_code == 200, shipped.text
    delivered = client.post(
        f"/batches/{batch}/status", json={"status": "delivered"}, headers=receiver
    )
    assert delivered.status_code == 200, delivered.text


def split(client: httpx.Client, batch: str, auth: Auth, kind: str, *amounts: str) -> list[Any]:
    body = {"parts": [{"quantity": amount} for amount in amounts], "kind": kind}
    response = client.post(f"/batches/{batch}/split", json=body, headers=auth)
    assert response.status_code == 201, response.text
    children: list[Any] = response.json()["children"]
    assert {child["split_kind"] for child in children} == {kind}
    return children


@pytest.fixture(scope="module")
def story(server_client: httpx.Client) -> dict[str, Any]:
    client = server_client
    grower, buyer, retailer = sign_up(client), sign_up(client, "buyer"), sign_up(client, "buyer")
    farm = place(client, grower, "farm", "7501234000017")
    warehouse = place(client, buyer, "warehouse", "4006381333931")
    store = place(client, retailer, "warehouse", "0614141000036")
    product = f"romaine {uuid.uuid4().hex[:8]}"
    body = batch_body(product=product, quantity="1200", origin_location_id=farm["id"])
    root = client.post("/batches", json=body, headers=grower)
    assert root.status_code == 201, root.text
    root_id = root.json()["id"]
    ship(
        client, root_id, grower, buyer, warehouse["id"], "BOL-1",
        ship_from_location_id=farm["id"],
    )  # fmt: skip
    repacked = split(client, root_id, buyer, "repack", "700", "500")
    divided = split(client, repacked[0]["id"], buyer, "divide", "400", "300")
    ship(
        client, divided[0]["id"], buyer, retailer, store["id"], "BOL-2",
        ship_from_location_id=warehouse["id"],
    )  # fmt: skip
    return {
        "grower": grower, "buyer": buyer, "retailer": retailer, "root": root.json(),
        "repacked": repacked, "divided": divided, "product": product,
    }  # fmt: skip


@pytest.fixture(scope="module")
def server_client(server: Any) -> Any:
    with httpx.Client(base_url=server.url + "/api/v1", timeout=60) as http:
        yield http


def csv_of(
    client: httpx.Client, auth: Auth, **params: str
) -> tuple[list[str], list[dict[str, str]]]:
    answer = client.get(URL, params={"format": "csv"} | params, headers=auth)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8; header=present"
    assert answer.headers["Content-Disposition"].startswith("attachment; filename=")
    table = list(csv.reader(io.StringIO(answer.text, newline="")))
    header = table[0]
    return header, [dict(zip(header, line, strict=True)) for line in table[1:]]


def missing(row: dict[str, str]) -> list[str]:
    return [name for name in row[MISSING].split("; ") if name]


def check(row: dict[str, str]) -> None:
    """Every element the rule requires of the row's event is in its columns or named missing."""
    needed = RULE[row[CTE]]
    for name, columns in needed:
        if name not in missing(row):
            assert all(row[column] for column in columns), (row[CTE], name, row)
    assert set(missing(row)) <= {name for name, _ in needed}, row


def test_the_csv_has_every_element_of_every_event_and_a_divided_part_keeps_its_lots_code(
    server_client: httpx.Client, story: dict[str, Any]
) -> None:
    header, rows = csv_of(server_client, story["buyer"], product=story["product"])
    root, repacked, divided = story["root"], story["repacked"], story["divided"]

    assert header[0] == CTE
    assert MISSING in header
    assert [row for row in rows if row[CTE] == CTE] == [], "one header row only"
    assert [(row[CTE], row[TLC]) for row in rows] == [
        ("harvesting", root["code"]),
        ("shipping", root["code"]),
        ("receiving", root["code"]),
        ("transformation", repacked[0]["code"]),
        ("transformation", repacked[1]["code"]),
        # The divided part ships under its lot's code, not its own; a divide makes no row.
        ("shipping", repacked[0]["code"]),
        ("receiving", repacked[0]["code"]),
    ]
    for row in rows:
        check(row)
        date.fromisoformat(row["Event date"])
    shipped = [row for row in rows if row[CTE] in ("shipping", "receiving")]
    assert [missing(row) for row in shipped] == [[], [], [], []]
    assert [row["Reference document number"] for row in shipped] == [
        "BOL-1", "BOL-1", "BOL-2", "BOL-2",
    ]  # fmt: skip
    assert divided[0]["code"] not in {row[TLC] for row in rows}
    (harvest,) = [row for row in rows if row[CTE] == "harvesting"]
    # No field is named and no document records the harvest: said, never left blank.
    assert missing(harvest) == ["field_name", "reference_document"]
    for transformation in rows[3:5]:
        assert transformation["Input lots (code: quantity used, product)"].startswith(root["code"])
        assert missing(transformation) == ["reference_document"]


def test_the_xlsx_opens_with_a_frozen_header_a_filter_iso_dates_and_sorts(
    server_client: httpx.Client, story: dict[str, Any], tmp_path: Any
) -> None:
    answer = server_client.get(
        URL, params={"format": "xlsx", "product": story["product"]}, headers=story["buyer"]
    )
    assert answer.status_code == 200, answer.text
    path = tmp_path / "records.xlsx"
    path.write_bytes(answer.content)

    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    table = [list(line) for line in sheet.iter_rows(values_only=True)]
    header, body = table[0], table[1:]

    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}{len(table)}"
    assert list(sheet.merged_cells.ranges) == []
    assert len(body) == 7
    at = header.index("Event date")
    assert all(cell.number_format == "yyyy-mm-dd" for cell in sheet["F"][1:])
    dates = [line[at] for line in body]
    assert all(isinstance(value, date) for value in dates)
    # Sorting by a column sorts the records: by date, then time, as they happened.
    by_time = sorted(body, key=lambda line: (line[at], line[at + 1] or time()))
    assert [line[0] for line in by_time] == [line[0] for line in body]
    codes = sorted(str(line[1]) for line in body)
    assert codes == sorted(
        row[TLC] for row in csv_of(server_client, story["buyer"], product=story["product"])[1]
    )


def test_another_organisation_sees_none_of_these_records_and_an_auditor_all(
    server_client: httpx.Client, story: dict[str, Any], auditor: Auth
) -> None:
    stranger = sign_up(server_client)

    _, theirs = csv_of(server_client, stranger, product=story["product"])
    _, audited = csv_of(server_client, auditor, product=story["product"])
    _, grower = csv_of(server_client, story["grower"], product=story["product"])
    _, retailer = csv_of(server_client, story["retailer"], product=story["product"])

    assert theirs == []
    assert len(audited) == 7
    # The grower sees its lot's history (its split included); the retailer what it received.
    assert [row[CTE] for row in grower] == [
        "harvesting", "shipping", "receiving", "transformation", "transformation",
    ]  # fmt: skip
    assert [row[CTE] for row in retailer] == ["shipping", "receiving"]


def test_a_bad_query_is_a_json_400(server_client: httpx.Client, story: dict[str, Any]) -> None:
    answer = server_client.get(URL, params={"from": "2031-02-30"}, headers=story["buyer"])

    assert_error(answer, 400, "bad_request")


def test_a_machine_client_with_events_read_exports_its_organisations_records_only(
    server_client: httpx.Client, story: dict[str, Any]
) -> None:
    client = server_client
    made = register_client(client, story["retailer"], ["events:read"])
    reader = client_auth(client, made["client_id"], made["client_secret"])
    other = register_client(client, story["retailer"], ["batches:read"])
    without = client_auth(client, other["client_id"], other["client_secret"])

    _, rows = csv_of(client, reader, product=story["product"])
    refused = assert_error(client.get(URL, headers=without), 403, "forbidden")

    assert [row[CTE] for row in rows] == ["shipping", "receiving"]
    assert "events:read" in refused["message"]
