"""JSON: one object per row, keyed by column in column order, as JSON lines or as one array.
Quantities are decimal strings (as everywhere in the API), dates and times ISO 8601, the list
columns arrays."""

from collections.abc import AsyncGenerator, AsyncIterable
from datetime import date, time
from decimal import Decimal

import orjson

from api.domain.fsma.rows import COLUMNS, Cell, Row

JSON_LINES_MEDIA_TYPE = "application/jsonl"
JSON_MEDIA_TYPE = "application/json"
CHUNK_BYTES = 64 * 1024

JsonCell = str | list[str] | None


def _json_cell(cell: Cell) -> JsonCell:
    match cell:
        case Decimal():
            return format(cell, "f")
        case date() | time():
            return cell.isoformat()
        case tuple():
            return list(cell)
        case _:
            return cell


def row_object(row: Row) -> dict[str, JsonCell]:
    return {column.key: _json_cell(column.value(row)) for column in COLUMNS}


async def _chunked(
    pieces: AsyncIterable[bytes], chunk_bytes: int = CHUNK_BYTES
) -> AsyncGenerator[bytes, None]:
    held: list[bytes] = []
    size = 0
    async for piece in pieces:
        held.append(piece)
        size += len(piece)
        if size >= chunk_bytes:
            yield b"".join(held)
            held, size = [], 0
    yield b"".join(held)


async def _lines(rows: AsyncIterable[Row]) -> AsyncGenerator[bytes, None]:
    async for row in rows:
        yield orjson.dumps(row_object(row)) + b"\n"


async def _array(rows: AsyncIterable[Row]) -> AsyncGenerator[bytes, None]:
    yield b"["
    separator = b"\n"
    async for row in rows:
        yield separator + orjson.dumps(row_object(row))
        separator = b",\n"
    yield b"\n]\n"


def json_lines_chunks(
    rows: AsyncIterable[Row], chunk_bytes: int = CHUNK_BYTES
) -> AsyncGenerator[bytes, None]:
    """One JSON object per line (JSON Lines)."""
    return _chunked(_lines(rows), chunk_bytes)


def json_array_chunks(
    rows: AsyncIterable[Row], chunk_bytes: int = CHUNK_BYTES
) -> AsyncGenerator[bytes, None]:
    """One JSON array of the row objects, one per line."""
    return _chunked(_array(rows), chunk_bytes)
