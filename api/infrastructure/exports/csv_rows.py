"""CSV (RFC 4180): UTF-8 without a byte order mark, CRLF line ends, fields quoted when they hold
a comma, a quote or a line break; one header row, then one line per row, nothing else."""

import csv
import io
from collections.abc import AsyncGenerator, AsyncIterable

from api.domain.fsma.rows import COLUMNS, CellKind, Row
from api.infrastructure.exports.text import cell_text, inert_text

MEDIA_TYPE = "text/csv; charset=utf-8; header=present"
CHUNK_BYTES = 64 * 1024


async def csv_chunks(
    rows: AsyncIterable[Row], chunk_bytes: int = CHUNK_BYTES
) -> AsyncGenerator[bytes, None]:
    """The file in chunks of about `chunk_bytes`, written as the rows come."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.header for column in COLUMNS])
    textual = (CellKind.TEXT, CellKind.LIST)
    render = [
        (column.value, inert_text if column.kind in textual else cell_text) for column in COLUMNS
    ]
    async for row in rows:
        writer.writerow([text(value(row)) for value, text in render])
        if buffer.tell() >= chunk_bytes:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
