"""A cell as text: the one rendering the CSV and JSON writers share."""

from datetime import date, time
from decimal import Decimal

from api.domain.fsma.rows import Cell

# Characters a spreadsheet reads as the start of a formula when they open a cell.
FORMULA_STARTS = frozenset("=+-@\t\r")
LIST_SEPARATOR = "; "


def cell_text(cell: Cell) -> str:
    """ISO 8601 dates and times, plain decimals (never an exponent), lists joined by "; "."""
    match cell:
        case None:
            return ""
        case str():
            return cell
        case Decimal():
            return format(cell, "f")
        case date() | time():
            return cell.isoformat()
        case tuple():
            return LIST_SEPARATOR.join(cell)


def inert(text: str) -> str:
    """Text a spreadsheet opening the file shows as text: one that would start a formula (a
    business named "=HYPERLINK(...)") is led by an apostrophe (OWASP, "CSV injection")."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


def inert_text(cell: Cell) -> str:
    """A text or list cell as `inert` text."""
    return inert(cell_text(cell)) if cell else ""
