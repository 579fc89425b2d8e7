"""The users repository: one suite for the PostgreSQL adapter and the fake the unit and HTTP
tests use, so that the fake cannot drift from what the database does."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from api.application.pagination import Cursor
from api.application.ports import UserFilter, UserRepository
from api.domain.errors import Conflict
from api.domain.users import Role, User
from api.infrastructure.db.users import PgUsers
from api.presentation.context import Services
from tests.integration.conftest import LAST_ID, moment, walk
from tests.support.fakes import FakeUsers

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture(params=["memory", "postgres"])
def users(request: pytest.FixtureRequest, services: Services) -> UserRepository:
    return FakeUsers() if request.param == "memory" else PgUsers()


def email() -> str:
    # Folded to lower case, as registration stores every address.
    return f"{uuid.uuid4().hex}@example.com"


async def test_a_user_reads_back_by_id_and_by_email_and_an_email_is_taken_once(
    users: UserRepository,
) -> None:
    now = datetime.now(UTC)
    made = await users.add(email(), "Ana Ruiz", Role.PRODUCER, "hash-1", now)

    assert made == User(made.id, made.email, "Ana Ruiz", Role.PRODUCER, "hash-1", now, True)
    assert await users.by_id(made.id) == made
    assert await users.by_email(made.email) == made
    assert await users.by_id(uuid.uuid4()) is None
    assert await users.by_email(email()) is None
    with pytest.raises(Conflict):
        await users.add(made.email, "Someone Else", Role.BUYER, "hash-2", now)


async def test_a_password_role_and_activity_change_and_nothing_else(users: UserRepository) -> None:
    now = datetime.now(UTC)
    made = await users.add(email(), "Bo", Role.BUYER, "hash-1", now)
    other = await users.add(email(), "Cy", Role.BUYER, "hash-1", now)

    await users.set_password_hash(made.id, "hash-2")
    changed = await users.update(made.id, now + timedelta(minutes=1), False, Role.AUDITOR)

    assert changed == replace(made, password_hash="hash-2", role=Role.AUDITOR, is_active=False)
    assert await users.by_id(made.id) == changed
    assert await users.by_id(other.id) == other


async def test_pages_are_newest_first_by_creation_then_id_and_lose_nothing_at_a_tie(
    users: UserRepository,
) -> None:
    at = moment()
    # Three at one instant: the id orders them, so a page boundary between them loses nothing.
    made = [await users.add(email(), "Tie", Role.BUYER, "x", at) for _ in range(3)]
    made += [await users.add(email(), "Later", Role.BUYER, "x", at + timedelta(seconds=s))
             for s in (2, 1)]  # fmt: skip
    expected = sorted(made, key=lambda u: (u.created_at, u.id), reverse=True)
    start = Cursor(at + timedelta(seconds=2), LAST_ID)

    for size in (1, 2, 5):
        seen = await walk(partial(users.page, UserFilter()), size, 5, start)
        assert seen == expected
    # Past a cursor means strictly older: the cursor's own row is not repeated.
    middle = expected[2]
    after_middle = await users.page(UserFilter(), Cursor(middle.created_at, middle.id), 2)
    assert list(after_middle) == expected[3:5]
    first = list(await users.page(UserFilter(), None, 5))
    assert first == sorted(first, key=lambda u: (u.created_at, u.id), reverse=True)


async def test_pages_filter_by_role_and_by_activity(users: UserRepository) -> None:
    at = moment()
    auditor = await users.add(email(), "A", Role.AUDITOR, "x", at)
    buyer = await users.add(email(), "B", Role.BUYER, "x", at + timedelta(seconds=1))
    gone = await users.add(email(), "C", Role.BUYER, "x", at + timedelta(seconds=2))
    gone = await users.update(gone.id, at, False, Role.BUYER)
    start = Cursor(at + timedelta(seconds=2), LAST_ID)

    async def first(filters: UserFilter, n: int) -> list[User]:
        return list(await users.page(filters, start, n))

    assert await first(UserFilter(), 3) == [gone, buyer, auditor]
    assert await first(UserFilter(role=Role.BUYER), 2) == [gone, buyer]
    assert await first(UserFilter(is_active=False), 1) == [gone]
    assert await first(UserFilter(is_active=True), 2) == [buyer, auditor]
    assert await first(UserFilter(role=Role.BUYER, is_active=True), 1) == [buyer]
    assert await first(UserFilter(role=Role.AUDITOR), 1) == [auditor]


async def test_the_active_admins_come_sorted_by_id(users: UserRepository) -> None:
    now = datetime.now(UTC)
    admins = [await users.add(email(), "Admin", Role.ADMIN, "x", now) for _ in range(3)]
    retired = await users.add(email(), "Retired", Role.ADMIN, "x", now)
    await users.update(retired.id, now, False, Role.ADMIN)
    auditor = await users.add(email(), "Auditor", Role.AUDITOR, "x", now)

    found = await users.active_admins_for_update()

    # The database holds other tests' admins too.
    assert found == sorted(found)
    assert {a.id for a in admins} <= set(found)
    assert retired.id not in found
    assert auditor.id not in found
