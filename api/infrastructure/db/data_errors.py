"""Database errors that a request's values cause, rather than a bug or an outage."""

from asyncpg.exceptions import DataError, _base

# SQLSTATE class 22 (a value PostgreSQL cannot take: NUL, bad encoding, out of range, too
# long), asyncpg's own refusal to encode a value (lone surrogates), and dates past Python's
# year 9999 on the way in or out.
BAD_DATA: tuple[type[BaseException], ...] = (DataError, _base.DataError, OverflowError)


def caused_by_bad_data(exc: BaseException) -> bool:
    """Whether the error, or one it was raised from (the ORM wraps the driver's), is bad data."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, BAD_DATA):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
