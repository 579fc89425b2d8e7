"""The formats FSMA 204 records are exported in, by the name a caller asks for."""

from api.application.fsma import ExportFormat
from api.infrastructure.exports import csv_rows, json_rows, xlsx_rows

FORMATS = {
    "csv": ExportFormat(csv_rows.MEDIA_TYPE, "csv", csv_rows.csv_chunks),
    "xlsx": ExportFormat(xlsx_rows.MEDIA_TYPE, "xlsx", xlsx_rows.xlsx_chunks),
    # One JSON array, a row object a line: streamed like the others.
    "json": ExportFormat(json_rows.JSON_MEDIA_TYPE, "json", json_rows.json_array_chunks),
}
