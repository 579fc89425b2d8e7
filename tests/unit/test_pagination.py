import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from api.application.pagination import Cursor, Page
from api.domain.batches import Batch
from api.domain.errors import MalformedInput

AT = datetime(2031, 3, 14, 9, 26, 53, 123456, tzinfo=UTC)
ID = UUID("0b9e8b8e-5d1c-4a43-9a55-7c2f2d5b1e01")


def token_of(value: object) -> str:
    raw = json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass(frozen=True)
class Row:
    created_at: datetime
    id: UUID


def rows(n: int) -> list[Row]:
    return [Row(AT - timedelta(minutes=i), uuid4()) for i in range(n)]


def test_a_cursor_survives_encoding_and_decoding():
    cursor = Cursor(AT, ID)

    assert Cursor.decode(cursor.encode()) == cursor


def test_a_cursor_keeps_a_non_utc_offset():
    at = datetime(2031, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5)))

    decoded = Cursor.decode(Cursor(at, ID).encode())

    assert decoded.created_at == at
    assert decoded.created_at.utcoffset() == timedelta(hours=-5)


def test_an_encoded_cursor_is_url_safe_and_unpadded():
    token = Cursor(AT, ID).encode()

    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize(
    "token",
    ["", "!!!!", "not a cursor", "A", "%%%%%%%%", "ü"],
    ids=["empty", "punctuation", "spaces", "one-char", "percent", "non-ascii"],
)
def test_garbage_is_a_bad_request(token):
    with pytest.raises(MalformedInput):
        Cursor.decode(token)


def test_every_truncation_of_a_valid_cursor_is_a_bad_request():
    token = Cursor(AT, ID).encode()
    for cut in range(len(token)):
        with pytest.raises(MalformedInput):
            Cursor.decode(token[:cut])


def test_base64_of_text_that_is_not_json_is_a_bad_request():
    token = base64.urlsafe_b64encode(b"hello, world").decode()

    with pytest.raises(MalformedInput):
        Cursor.decode(token)


def test_a_timestamp_without_a_time_zone_is_a_bad_request():
    with pytest.raises(MalformedInput):
        Cursor.decode(token_of(["2031-03-14T09:26:53", str(ID)]))


@pytest.mark.parametrize(
    "value",
    [
        None,
        5,
        "ab",
        [],
        [AT.isoformat()],
        [AT.isoformat(), str(ID), "extra"],
        {"created_at": AT.isoformat(), "id": str(ID)},
        [str(ID), AT.isoformat()],
        [AT.isoformat(), "not-a-uuid"],
        [AT.isoformat(), None],
        [None, str(ID)],
        [1700000000, str(ID)],
        ["yesterday", str(ID)],
        [AT.isoformat(), 12345],
        [AT.isoformat(), ["0b9e8b8e-5d1c-4a43-9a55-7c2f2d5b1e01"]],
    ],
    ids=repr,
)
def test_a_cursor_of_the_wrong_shape_is_a_bad_request(value):
    with pytest.raises(MalformedInput):
        Cursor.decode(token_of(value))


def test_a_bad_cursor_says_how_to_get_a_good_one():
    with pytest.raises(MalformedInput) as caught:
        Cursor.decode("garbage")

    assert "next_cursor" in str(caught.value)


def test_a_page_with_fewer_rows_than_the_limit_is_the_last():
    page = Page.from_rows(rows(2), 3)

    assert len(page.items) == 2
    assert page.next_cursor is None


def test_a_page_with_exactly_the_limit_is_the_last():
    fetched = rows(3)

    page = Page.from_rows(fetched, 3)

    assert page.items == fetched
    assert page.next_cursor is None


def test_one_extra_row_means_there_is_a_next_page_starting_after_the_last_item():
    fetched = rows(4)

    page = Page.from_rows(fetched, 3)

    assert page.items == fetched[:3]
    assert page.next_cursor is not None
    assert Cursor.decode(page.next_cursor) == Cursor(fetched[2].created_at, fetched[2].id)


def test_an_empty_result_is_an_empty_last_page():
    page: Page[Batch] = Page.from_rows([], 20)

    assert page.items == []
    assert page.next_cursor is None
