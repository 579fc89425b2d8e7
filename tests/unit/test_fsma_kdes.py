"""Every FSMA 204 row holds every Key Data Element its event requires, or names exactly the ones
it lacks. The rule is transcribed here on its own (21 CFR 1.1325, 1.1330, 1.1340, 1.1345,
1.1350) and held against the code's table, then against what the exports say."""

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import replace

import pytest

from api.domain.fsma.descriptions import TlcSource
from api.domain.fsma.events import Cooling, LotEvent
from api.domain.fsma.kdes import REQUIRED_KDES, Cte, required_kdes
from api.domain.fsma.lots import LotIdentity
from api.infrastructure.exports.csv_rows import csv_chunks
from api.infrastructure.exports.json_rows import json_lines_chunks
from tests.support import fsma

QTY = ("quantity", "unit")
REF = ("reference_document_type", "reference_document_number")
# Per CTE, in the rule's order: the element's name in `missing_kdes`, and the columns that
# hold it when it is known.
RULE: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    # 1.1325(a)(1): (i) to (viii), less (vi), the aquaculture container.
    "harvesting": [
        ("subsequent_recipient_location", ("ship_to",)),
        ("commodity_and_variety", ("product_description",)),
        ("quantity_and_unit", QTY),
        ("farm_location", ("farm",)),
        ("field_name", ("field_name",)),
        ("harvest_date", ("harvest_date", "event_date")),
        ("reference_document", REF),
    ],
    # 1.1325(b)(1): (i) to (vii).
    "cooling": [
        ("subsequent_recipient_location", ("ship_to",)),
        ("commodity_and_variety", ("product_description",)),
        ("quantity_and_unit", QTY),
        ("cooling_location", ("cooling_location",)),
        ("cooling_date", ("cooling_date", "event_date")),
        ("farm_location", ("farm",)),
        ("reference_document", REF),
    ],
    # 1.1330(a): (1) to (16), less (6), the aquaculture container, and (9) and (10), the
    # cooling "if applicable": COOLED.
    "initial_packing": [
        ("commodity_and_variety", ("product_description",)),
        ("received_date", ("received_date",)),
        ("received_quantity_and_unit", ("received_quantity", "received_unit")),
        ("farm_location", ("farm",)),
        ("field_name", ("field_name",)),
        ("harvester_business_name_and_phone", ("harvester",)),
        ("harvest_date", ("harvest_date",)),
        ("traceability_lot_code", ("traceability_lot_code",)),
        ("product_description", ("product_description",)),
        ("quantity_and_unit", QTY),
        ("packing_location", ("packing_location", "tlc_source")),
        ("packing_date", ("event_date",)),
        ("reference_document", REF),
    ],
    # 1.1340(a): (1) to (8).
    "shipping": [
        ("traceability_lot_code", ("traceability_lot_code",)),
        ("quantity_and_unit", QTY),
        ("product_description", ("product_description",)),
        ("subsequent_recipient_location", ("ship_to",)),
        ("ship_from_location", ("ship_from",)),
        ("ship_date", ("event_date",)),
        ("tlc_source", ("tlc_source",)),
        ("reference_document", REF),
    ],
    # 1.1345(a): (1) to (8).
    "receiving": [
        ("traceability_lot_code", ("traceability_lot_code",)),
        ("quantity_and_unit", QTY),
        ("product_description", ("product_description",)),
        ("previous_source_location", ("previous_source",)),
        ("receiving_location", ("receiving_location",)),
        ("receiving_date", ("event_date",)),
        ("tlc_source", ("tlc_source",)),
        ("reference_document", REF),
    ],
    # 1.1350(a): (1)(i) to (iii) for each input as one element, then (2)(i) to (vi).
    "transformation": [
        ("input_lots", ("input_lots",)),
        ("traceability_lot_code", ("traceability_lot_code",)),
        ("transformation_location", ("tlc_source",)),
        ("transformation_date", ("event_date",)),
        ("product_description", ("product_description",)),
        ("quantity_and_unit", QTY),
        ("reference_document", REF),
    ],
}
COOLED: list[tuple[str, tuple[str, ...]]] = [
    ("cooling_location", ("cooling_location",)),
    ("cooling_date", ("cooling_date",)),
]


def test_the_codes_table_is_the_rules_table() -> None:
    assert sorted(REQUIRED_KDES) == sorted(Cte(name) for name in RULE)
    for cte, kdes in REQUIRED_KDES.items():
        assert [kde.value for kde in kdes] == [name for name, _ in RULE[cte]], cte


def test_an_initial_packing_of_cooled_food_also_needs_the_cooling() -> None:
    packing = Cte.INITIAL_PACKING
    assert [kde.value for kde in required_kdes(packing, cooled=True)] == [
        name for name, _ in RULE["initial_packing"] + COOLED
    ]
    assert required_kdes(packing, cooled=False) == REQUIRED_KDES[packing]
    assert required_kdes(Cte.SHIPPING, cooled=True) == REQUIRED_KDES[Cte.SHIPPING]


async def exported(events: Sequence[LotEvent]) -> list[dict[str, str]]:
    """The rows as the CSV says them, keyed by the JSON's keys: both formats write the same
    columns in the same order."""
    text = b"".join([chunk async for chunk in csv_chunks(fsma.rows_of(events))]).decode()
    lines = b"".join([chunk async for chunk in json_lines_chunks(fsma.rows_of(events))])
    objects = [json.loads(line) for line in lines.splitlines()]
    table = list(csv.reader(io.StringIO(text, newline="")))
    assert len(table) == len(objects) + 1
    keys = list(objects[0])
    assert len(table[0]) == len(keys)
    return [dict(zip(keys, line, strict=True)) for line in table[1:]]


def missing(row: dict[str, str]) -> list[str]:
    return [name for name in row["missing_kdes"].split("; ") if name]


def required(row: dict[str, str]) -> list[tuple[str, tuple[str, ...]]]:
    rule = RULE[row["cte"]]
    cooled = row["cooling_location"] or row["cooling_date"] or "cooling_date" in missing(row)
    return rule + COOLED if row["cte"] == "initial_packing" and cooled else rule


def check(row: dict[str, str]) -> None:
    """Each element is in its columns or named missing, and nothing else is named."""
    needed = required(row)
    for name, columns in needed:
        if name not in missing(row):
            assert all(row[column] for column in columns), (row["cte"], name, row)
    assert set(missing(row)) <= {name for name, _ in needed}
    assert missing(row) == [name for name, _ in needed if name in missing(row)]


async def test_a_whole_history_exports_every_element_of_every_event() -> None:
    rows = await exported(fsma.history())

    assert [row["cte"] for row in rows] == [
        "harvesting", "cooling", "cooling", "initial_packing", "shipping", "receiving",
        "transformation", "transformation",
    ]  # fmt: skip
    for row in rows:
        check(row)
        assert missing(row) == [], row


GAPS = [
    pytest.param(
        replace(fsma.shipment(), ship_to=replace(fsma.BUYER_DC, phone=None), reference=None),
        {"shipping": ["subsequent_recipient_location", "reference_document"]},
        id="shipment to a place without its phone, no bill of lading",
    ),
    pytest.param(
        replace(fsma.shipment(), lot=LotIdentity("SOL-1", TlcSource(reference=" "))),
        {"shipping": ["tlc_source"]},
        id="shipment whose lot code source is blank",
    ),
    pytest.param(
        replace(fsma.shipment(), lot=LotIdentity("SOL-1", TlcSource(reference="https://x.example/l/1"))),
        {"shipping": []},
        id="a lot code source given by reference alone is enough to ship",
    ),
    pytest.param(
        replace(fsma.receipt(), previous_source=None, receiving_location=replace(
            fsma.BUYER_DC, street=None)),
        {"receiving": ["previous_source_location", "receiving_location"]},
        id="receipt without its source, at a place without an address",
    ),
    pytest.param(
        replace(fsma.harvest(), cooling=None, next_recipient=None, farm=None, site=None,
                site_kind=None),
        {"harvesting": ["subsequent_recipient_location", "farm_location", "field_name"]},
        id="harvest with no place named",
    ),
    pytest.param(
        replace(fsma.harvest(), cooling=Cooling(fsma.COOLER, None)),
        {"cooling": ["cooling_date"], "harvesting": []},
        id="cooling without its date",
    ),
    pytest.param(
        replace(fsma.packing(), received=None, harvester=None,
                farm=replace(fsma.FARM, phone=" "), cooling=None),
        {"initial_packing": ["received_date", "received_quantity_and_unit", "farm_location",
                             "harvester_business_name_and_phone"]},
        id="packing without what was received, from a farm without its phone",
    ),
    pytest.param(
        replace(fsma.packing(), quantity=None, site=replace(fsma.PACKHOUSE, postal_code=None)),
        {"cooling": ["subsequent_recipient_location", "quantity_and_unit"],
         "initial_packing": ["quantity_and_unit", "packing_location"]},
        id="packing without its quantity, at a packhouse without its postal code",
    ),
    pytest.param(
        replace(fsma.repack(), site=None, reference=None),
        {"transformation": ["transformation_location", "reference_document"]},
        id="repack at no site named, without a work order",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("event", "expected"), GAPS)
async def test_a_row_names_exactly_the_elements_it_lacks(event, expected) -> None:
    rows = await exported([event])

    for row in rows:
        check(row)
    assert {row["cte"]: missing(row) for row in rows} == expected
