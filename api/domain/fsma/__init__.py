"""FDA FSMA 204 (21 CFR Part 1 Subpart S) records from our lots' history: which Critical Tracking
Events our events are, the Key Data Elements each needs, and one spreadsheet row per event and
traceability lot (docs/fsma204.md)."""
