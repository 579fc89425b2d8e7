"""Field types whose JSON Schema says exactly what the server accepts.

Each type checks the raw value against the same pattern and bounds the document publishes, so
data generated from the document is accepted and anything else is refused, before it reaches
the database. Patterns use explicit ASCII classes: `\\d` and `\\s` mean different things in the
regex engines of pydantic, Python and JSON Schema (and `\\d` matches Arabic-Indic digits).
"""

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, PlainValidator, StringConstraints, WithJsonSchema

# C0 and C1 control characters (NUL included) and DEL.
CONTROL = "\\x00-\\x1f\\x7f-\\x9f"
# Multi-line text keeps tab, line feed and carriage return.
CONTROL_BUT_NEWLINES = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f"


def _strip_spaces(value: str) -> str:
    return value.strip(" ")


# Printable text with at least one character that is not a space; spaces around it are dropped.
LINE_PATTERN = f"^ *[^{CONTROL} ][^{CONTROL}]*$"
MULTILINE_PATTERN = f"^ *[^{CONTROL_BUT_NEWLINES} ][^{CONTROL_BUT_NEWLINES}]*$"
Text100 = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100, pattern=LINE_PATTERN),
    AfterValidator(_strip_spaces),
]
Text200 = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=LINE_PATTERN),
    AfterValidator(_strip_spaces),
]
Note = Annotated[
    str,
    StringConstraints(min_length=1, max_length=500, pattern=MULTILINE_PATTERN),
    AfterValidator(_strip_spaces),
]
# Who a batch ships to: a buyer's email or user id.
Recipient = Annotated[
    str,
    StringConstraints(min_length=1, max_length=320, pattern=LINE_PATTERN),
    AfterValidator(_strip_spaces),
]
# Opaque strings a client echoes back (refresh tokens, filters): no control characters.
Opaque = Annotated[str, StringConstraints(min_length=1, max_length=512, pattern=f"^[^{CONTROL}]+$")]
SearchText = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=f"^[^{CONTROL}]+$")
]

_EMAIL_PART = f"[^@ {CONTROL}\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+"
EMAIL_PATTERN = f"^ *{_EMAIL_PART}@{_EMAIL_PART}\\.{_EMAIL_PART} *$"
Email = Annotated[
    str,
    StringConstraints(min_length=3, max_length=320, pattern=EMAIL_PATTERN),
    AfterValidator(_strip_spaces),
]

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DATE_TIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)


def date_parser(first: date, last: date) -> Callable[[object], date]:
    """A `YYYY-MM-DD` string between two dates (inclusive), as a `date`."""

    def parse(value: object) -> date:
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise ValueError("must be a date as YYYY-MM-DD")
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            raise ValueError("must be a date as YYYY-MM-DD") from None
        if not first <= parsed <= last:
            raise ValueError(f"must be from {first.isoformat()} to {last.isoformat()}")
        return parsed

    return parse


HARVEST_FIRST, HARVEST_LAST = date(1900, 1, 1), date(2100, 12, 31)
HarvestDate = Annotated[
    date,
    PlainValidator(date_parser(HARVEST_FIRST, HARVEST_LAST)),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": "^(19[0-9]{2}|20[0-9]{2}|2100)-",
            "description": "A date from 1900-01-01 to 2100-12-31.",
        }
    ),
]
# Filters take any date there is (0001-01-01 to 9999-12-31).
FilterDate = Annotated[
    date,
    PlainValidator(date_parser(date.min, date.max)),
    WithJsonSchema({"type": "string", "format": "date"}),
]


def _parse_date_time(value: object) -> datetime:
    if not isinstance(value, str) or not _DATE_TIME.fullmatch(value):
        raise ValueError("must be an RFC 3339 timestamp with a time zone")
    try:
        parsed = datetime.fromisoformat(value.upper())
    except ValueError:
        raise ValueError("must be an RFC 3339 timestamp with a time zone") from None
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        # Within a day of year 1 or 9999 with an offset: the earliest or latest instant.
        return (
            datetime.min.replace(tzinfo=UTC)
            if parsed.year == 1
            else datetime.max.replace(tzinfo=UTC)
        )


DateTime = Annotated[
    datetime,
    PlainValidator(_parse_date_time),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


def _parse_uuid(value: object) -> UUID:
    if not isinstance(value, str) or not UUID_RE.fullmatch(value):
        raise ValueError("must be a UUID")
    return UUID(value)


UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
Uuid = Annotated[
    UUID,
    PlainValidator(_parse_uuid),
    WithJsonSchema({"type": "string", "format": "uuid", "pattern": UUID_RE.pattern}),
]


def _query_bool(value: object) -> bool:
    # Only the two words JSON has: "1", "yes" or "on" would be a second spelling of the same.
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("must be true or false")


QueryBool = Annotated[bool, PlainValidator(_query_bool), WithJsonSchema({"type": "boolean"})]


def _whole_number(value: object) -> int:
    # JSON Schema counts 12.0 as an integer; so does the server. true and "12" are not numbers.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("must be a whole number")
    if not 0 <= value <= 2**63 - 1:
        raise ValueError("must be from 0 to 2^63-1")
    return value


BlockNumber = Annotated[
    int,
    PlainValidator(_whole_number),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 2**63 - 1}),
]
