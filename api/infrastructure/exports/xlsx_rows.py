"""XLSX for a sortable spreadsheet: one sheet, one header row frozen above the data, an
autofilter over every row and column, dates and times as real ones shown in ISO 8601, quantities
as numbers, text always as text (never a formula), no merged cells.

xlsxwriter's constant_memory mode writes each row out as the next one starts, so a sheet of any
length takes the same memory; the workbook is built in a temporary directory (in a worker
thread, a batch of rows at a time, to keep the event loop free) and then streamed from there.
"""

import asyncio
import tempfile
from collections.abc import AsyncGenerator, AsyncIterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import xlsxwriter

from api.domain.errors import FieldIssue, ValidationFailed
from api.domain.fsma.rows import COLUMNS, Cell, CellKind, Row
from api.infrastructure.exports.text import cell_text

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_BYTES = 64 * 1024
ROWS_PER_BATCH = 1000
SHEET_NAME = "FSMA 204"
# Excel's last row (1,048,576) less the header: a longer export is refused, never cut short.
MAX_ROWS = 1_048_575
WIDTHS = {
    CellKind.TEXT: 32,
    CellKind.NUMBER: 12,
    CellKind.DATE: 12,
    CellKind.TIME: 10,
    CellKind.LIST: 40,
}


class _Sheet:
    def __init__(self, path: Path, workdir: str) -> None:
        self.book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": workdir})
        self.sheet = self.book.add_worksheet(SHEET_NAME)
        self.dates = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.times = self.book.add_format({"num_format": "hh:mm:ss"})
        header = self.book.add_format({"bold": True})
        for index, column in enumerate(COLUMNS):
            self.sheet.set_column(index, index, WIDTHS[column.kind])
            self.sheet.write_string(0, index, column.header, header)
        self.sheet.freeze_panes(1, 0)
        self.last_row = 0

    def write(self, rows: Sequence[Row]) -> None:
        if self.last_row + len(rows) > MAX_ROWS:
            raise ValidationFailed(
                f"a sheet holds {MAX_ROWS} rows: export this as CSV, or fewer dates",
                [FieldIssue("format", "xlsx holds at most 1,048,575 rows")],
            )
        for row in rows:
            self.last_row += 1
            for index, column in enumerate(COLUMNS):
                self._cell(self.last_row, index, column.value(row))

    def _cell(self, row: int, col: int, cell: Cell) -> None:
        match cell:
            case None:
                pass
            case Decimal():
                self.sheet.write_number(row, col, float(cell))
            case time():
                self.sheet.write_datetime(row, col, cell, self.times)
            case datetime():
                raise TypeError("the rows hold dates and times apart")
            case date():
                self.sheet.write_datetime(row, col, cell, self.dates)
            case str() | tuple():
                if cell:  # an empty text or list stays an empty cell
                    self.sheet.write_string(row, col, cell_text(cell))

    def close(self) -> None:
        self.sheet.autofilter(0, 0, self.last_row, len(COLUMNS) - 1)
        self.book.close()


async def xlsx_chunks(
    rows: AsyncIterable[Row],
    chunk_bytes: int = CHUNK_BYTES,
    rows_per_batch: int = ROWS_PER_BATCH,
    tmpdir: str | None = None,
) -> AsyncGenerator[bytes, None]:
    """The workbook in chunks of `chunk_bytes`, once every row is written (a zip file is read
    from its end: it cannot start before it is finished)."""
    workdir = tempfile.TemporaryDirectory(prefix="fsma-xlsx-", dir=tmpdir)
    try:
        path = Path(workdir.name) / "fsma204.xlsx"
        sheet = await asyncio.to_thread(_Sheet, path, workdir.name)
        batch: list[Row] = []
        async for row in rows:
            batch.append(row)
            if len(batch) >= rows_per_batch:
                await asyncio.to_thread(sheet.write, batch)
                batch = []
        await asyncio.to_thread(sheet.write, batch)
        await asyncio.to_thread(sheet.close)
        # Open, then remove: the open file is read to its end and its space freed on closing,
        # however the download ends.
        file: BinaryIO = await asyncio.to_thread(path.open, "rb")
    finally:
        workdir.cleanup()
    with file:
        while chunk := await asyncio.to_thread(file.read, chunk_bytes):
            yield chunk
