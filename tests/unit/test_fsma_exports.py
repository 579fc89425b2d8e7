"""The FSMA 204 exports as a reader sees them: a CSV the csv module parses and `sorted` orders
by date and by lot, a workbook openpyxl opens with its header frozen and filtered, JSON that
says the same; and all of them written as the rows come, never holding the export."""

import csv
import io
import json
import tracemalloc
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import astuple, replace
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from api.domain.fsma.events import LotEvent
from api.domain.fsma.mapping import rows_for
from api.domain.fsma.rows import Row
from api.infrastructure.exports.csv_rows import csv_chunks
from api.infrastructure.exports.json_rows import json_array_chunks, json_lines_chunks
from api.infrastructure.exports.xlsx_rows import xlsx_chunks
from tests.support import fsma

DATE, TIME, LOT = "Event date", "Event time (UTC)", "Traceability lot code"


async def joined(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in chunks])


async def csv_table(events: Iterable[LotEvent]) -> list[list[str]]:
    data = await joined(csv_chunks(fsma.rows_of(events)))
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


async def workbook(events: Iterable[LotEvent], tmp_path: Path) -> Any:
    data = await joined(xlsx_chunks(fsma.rows_of(events)))
    path = tmp_path / "fsma.xlsx"
    path.write_bytes(data)
    return openpyxl.load_workbook(path)


async def test_the_csv_is_one_header_row_then_one_line_per_row_crlf_ended() -> None:
    data = await joined(csv_chunks(fsma.rows_of(fsma.history())))
    rows = [row for event in fsma.history() for row in rows_for(event)]

    assert not data.startswith(b"\xef\xbb\xbf")
    lines = data.decode().split("\r\n")
    assert lines[-1] == ""  # the last record ends with its CRLF, and nothing follows
    table = list(csv.DictReader(io.StringIO(data.decode(), newline="")))
    assert len(table) == len(rows) == len(lines) - 2
    assert [line[LOT] for line in table] == [row.traceability_lot_code for row in rows]
    assert {line["Critical tracking event"] for line in table} == {
        "harvesting", "cooling", "initial_packing", "shipping", "receiving", "transformation",
    }  # fmt: skip


async def test_the_csv_sorts_by_date_and_by_lot_with_sorted() -> None:
    shipments = list(fsma.shipments(300))
    data = await joined(csv_chunks(fsma.rows_of(shipments)))
    table = list(csv.DictReader(io.StringIO(data.decode(), newline="")))

    by_date = sorted(table, key=lambda line: (line[DATE], line[TIME], line[LOT]))
    moments = [
        datetime.combine(date.fromisoformat(line[DATE]), time.fromisoformat(line[TIME]))
        for line in by_date
    ]
    assert moments == sorted(moments)
    assert moments[0] < moments[-1]
    expected = sorted(
        shipment.shipped_at.replace(microsecond=0, tzinfo=None) for shipment in shipments
    )
    assert moments == expected
    by_lot = sorted(table, key=lambda line: line[LOT])
    assert [line[LOT] for line in by_lot] == sorted(s.lot.code for s in shipments)


async def test_awkward_text_survives_the_csv_and_a_formula_stays_text() -> None:
    buyer = replace(fsma.BUYER_DC, business_name='=HYPERLINK("http://x.example","Fresh, "Co"")')
    awkward = replace(
        fsma.shipment(),
        product=replace(fsma.CARTON, commodity="Aguacate\r\nHass, ñ"),
        ship_to=buyer,
        reference=fsma.reference("-42"),
    )
    header, line = await csv_table([awkward])
    row = dict(zip(header, line, strict=True))

    assert row["Product description"].startswith("Aguacate\r\nHass, ñ")
    assert row["Ship-to location (immediate subsequent recipient)"].startswith(
        '\'=HYPERLINK("http://x.example","Fresh, "Co"")'
    )
    assert row["Reference document number"] == "'-42"
    assert row["Quantity"] == "1150"


async def test_the_csv_is_written_as_the_rows_come() -> None:
    produced = []

    async def rows() -> AsyncIterator[Row]:
        for index, event in enumerate(fsma.shipments(2000)):
            produced.append(index)
            for row in rows_for(event):
                yield row

    chunks = csv_chunks(rows(), chunk_bytes=4096)
    first = await anext(chunks)
    assert first.startswith(b"Critical tracking event,")
    assert 0 < len(produced) < 100
    async for _ in chunks:
        pass
    assert len(produced) == 2000


def fresh_rows(count: int) -> Iterator[Row]:
    """`count` different rows (their lot codes, dates and documents), made as they are asked
    for: each is made from the values of one row, three of them changed."""
    values = list(astuple(rows_for(fsma.shipment())[0]))
    first = values[5].toordinal()
    for index in range(count):
        values[1], values[5], values[24] = (
            f"SOL-{index:07d}", date.fromordinal(first + index % 700), f"BOL-{index}",
        )  # fmt: skip
        yield Row(*values)


async def test_twenty_thousand_rows_stream_through_the_csv_in_little_memory() -> None:
    async def rows(count: int) -> AsyncIterator[Row]:
        for row in fresh_rows(count):
            yield row

    tracemalloc.start()
    try:
        held = list(fresh_rows(2_000))
        _, holding_a_tenth = tracemalloc.get_traced_memory()
        del held
        tracemalloc.reset_peak()
        written = 0
        async for chunk in csv_chunks(rows(20_000)):
            written += len(chunk)
        _, streaming = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert written > 20_000 * 300
    # Sanity bound, not a benchmark (tests/bench/fsma_export.py is): the whole export takes
    # less than a tenth of its rows would held in a list.
    assert streaming < holding_a_tenth, (streaming, holding_a_tenth)


async def test_the_workbook_has_one_frozen_filtered_header_row_and_no_merged_cells(
    tmp_path,
) -> None:
    events = fsma.history()
    count = sum(len(rows_for(event)) for event in events)
    book = await workbook(events, tmp_path)

    assert len(book.worksheets) == 1
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Critical tracking event", "Traceability lot code", "Product description"]
    assert sheet.freeze_panes == "A2"
    last_column = sheet.cell(1, len(header)).column_letter
    assert sheet.auto_filter.ref == f"A1:{last_column}{count + 1}"
    assert sheet.max_row == count + 1
    assert sheet.max_column == len(header)
    assert not sheet.merged_cells.ranges
    # One header row: every other row is a record, starting with its event.
    events_column = [cell.value for cell in sheet["A"][1:]]
    assert set(events_column) <= {"harvesting", "cooling", "initial_packing", "shipping",
                                  "receiving", "transformation"}  # fmt: skip
    assert [cell.value for cell in sheet[2]] != header


async def test_the_workbook_holds_real_dates_shown_in_iso_and_numbers_and_text(tmp_path) -> None:
    buyer = replace(fsma.BUYER_DC, business_name="=1+1")
    book = await workbook([replace(fsma.shipment(), ship_to=buyer)], tmp_path)
    sheet = book.active
    cells = dict(zip([cell.value for cell in sheet[1]], sheet[2], strict=True))

    shipped = fsma.shipment().shipped_at
    assert cells[DATE].value == datetime(shipped.year, shipped.month, shipped.day)
    assert cells[DATE].number_format == "yyyy-mm-dd"
    assert cells[DATE].is_date
    assert cells[TIME].value == shipped.time().replace(microsecond=0, tzinfo=None)
    assert cells[TIME].number_format == "hh:mm:ss"
    assert cells["Quantity"].value == 1150
    assert cells["Quantity"].data_type == "n"
    assert cells["Ship-to location (immediate subsequent recipient)"].value.startswith("=1+1")
    assert cells["Ship-to location (immediate subsequent recipient)"].data_type == "s"
    assert cells["Missing key data elements"].value is None


async def test_the_workbook_leaves_no_temporary_file_behind(tmp_path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    chunks = xlsx_chunks(fsma.rows_of(fsma.history()), chunk_bytes=512, tmpdir=str(work))
    first = await anext(chunks)

    assert first.startswith(b"PK")
    assert list(work.iterdir()) == []
    await chunks.aclose()


@pytest.mark.parametrize("form", ["lines", "array"])
async def test_the_json_says_what_the_csv_says_in_the_same_column_order(form) -> None:
    events = fsma.history()
    writer = json_lines_chunks if form == "lines" else json_array_chunks
    data = await joined(writer(fsma.rows_of(events)))
    if form == "lines":
        objects = [json.loads(line) for line in data.splitlines()]
    else:
        objects = json.loads(data)
    header, *lines = await csv_table(events)

    assert len(objects) == len(lines)
    for record, line in zip(objects, lines, strict=True):
        assert len(record) == len(header)
        values = [
            "; ".join(value) if isinstance(value, list) else value or ""
            for value in record.values()
        ]
        assert values == line
    packing = next(record for record in objects if record["cte"] == "initial_packing")
    assert packing["quantity"] == "1150"
    assert packing["event_date"] == "2031-05-02"
    assert packing["missing_kdes"] == []


async def test_an_empty_export_is_its_header_alone(tmp_path) -> None:
    assert len(await csv_table([])) == 1
    book = await workbook([], tmp_path)
    assert book.active.max_row == 1
    assert book.active.auto_filter.ref.endswith("1")
    assert json.loads(await joined(json_array_chunks(fsma.rows_of([])))) == []
    assert await joined(json_lines_chunks(fsma.rows_of([]))) == b""


def test_the_rows_used_here_are_rows() -> None:
    assert all(isinstance(row, Row) for row in fresh_rows(3))
    assert len({row.traceability_lot_code for row in fresh_rows(50)}) == 50
    assert Decimal("1150") == next(fresh_rows(1)).quantity
