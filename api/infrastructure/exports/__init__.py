"""Streaming exports of FSMA 204 rows (docs/fsma204.md, "The spreadsheet"): each writer takes an
async iterator of rows and yields the file in byte chunks, holding a chunk's worth at a time."""
