"""Database errors that a request's values cause, rather than a bug or an outage."""

from collections.abc import Iterator

from asyncpg.exceptions import DataError, ForeignKeyViolationError, _base

# SQLSTATE class 22 (a value PostgreSQL cannot take: NUL, bad encoding, out of range, too
# long), asyncpg's own refusal to encode a value (lone surrogates), and dates past Python's
# year 9999 on the way in or out.
BAD_DATA: tuple[type[BaseException], ...] = (DataError, _base.DataError, OverflowError)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The error and those it was raised from (the ORM wraps the driver's)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        yield current
        seen.add(id(current))
        current = current.__cause__ or current.__context__


def caused_by_bad_data(exc: BaseException) -> bool:
    return any(isinstance(cause, BAD_DATA) for cause in _causes(exc))


def caused_by_missing_user(exc: BaseException) -> bool:
    """A write naming a user the database does not hold: the caller's token outlived the
    account (a restore to an earlier time, say), not a bug."""
    return any(
        isinstance(cause, ForeignKeyViolationError)
        and 'in table "users"' in (getattr(cause, "detail", None) or "")
        for cause in _causes(exc)
    )
