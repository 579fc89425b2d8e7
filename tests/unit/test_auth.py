from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from api.application.auth import BAD_REFRESH, Auth, SessionPolicy
from api.domain.errors import Conflict, NotAuthenticated, NotFound, Throttled, ValidationFailed
from api.domain.passwords import PasswordPolicy
from api.domain.users import Role
from api.infrastructure.cache.login_throttle import ThrottlePolicy
from api.infrastructure.security.hash_queue import BoundedHashQueue
from api.infrastructure.security.sealing import AesGcmSealer
from api.infrastructure.security.tokens import JwtTokens
from tests.support.builders import CTX
from tests.support.fakes import (
    FakeAuditLog,
    FakeClock,
    FakeHasher,
    FakeOrganisations,
    FakeRefreshTokens,
    FakeRevocations,
    FakeThrottle,
    FakeUsers,
    NullUnitOfWork,
    shared_key,
)

DUMMY = "hashed:dummy-never-matches"
IDLE = timedelta(days=7)
ABSOLUTE = timedelta(days=10)
GRACE = timedelta(seconds=10)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def clock():
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def users():
    return FakeUsers()


@pytest.fixture
def audit():
    return FakeAuditLog()


@pytest.fixture
def hasher():
    return FakeHasher()


@pytest.fixture
def issuer():
    return JwtTokens(shared_key().ring(), "agrobridge", "agrobridge-api", 900)


@pytest.fixture
def throttle():
    return FakeThrottle(ThrottlePolicy(3, 30, 50, 900))


@pytest.fixture
def revocations():
    return FakeRevocations()


@pytest.fixture
def auth(users, hasher, issuer, audit, clock, throttle, revocations):
    return Auth(
        organisations=FakeOrganisations(users),
        users=users,
        refresh_tokens=FakeRefreshTokens(),
        hasher=hasher,
        tokens=issuer,
        throttle=throttle,
        revocations=revocations,
        audit=audit,
        unit_of_work=NullUnitOfWork(),
        clock=clock,
        sessions_policy=SessionPolicy(
            idle=IDLE, absolute=ABSOLUTE, access_ttl=timedelta(minutes=15), reuse_grace=GRACE
        ),
        passwords=PasswordPolicy(common=frozenset({"password123"})),
        sealer=AesGcmSealer(),
        hash_queue=BoundedHashQueue(slots=1, max_waiting=8, per_client=2),
        dummy_hash=DUMMY,
    )


@pytest.fixture
async def alice(auth):
    return await auth.register("Alice@Example.com", PASSWORD, "Alice", Role.PRODUCER, CTX)


async def test_register_folds_the_email_to_lower_case(auth, audit):
    user = await auth.register("  Bob.Smith@Example.COM ", PASSWORD, "Bob", Role.BUYER, CTX)

    assert user.email == "bob.smith@example.com"
    assert user.password_hash != PASSWORD
    assert audit.actions() == ["auth.registered"]


async def test_the_same_email_in_another_case_cannot_register_twice(auth, alice):
    with pytest.raises(Conflict):
        await auth.register("ALICE@example.COM", "another passphrase", "Alice 2", Role.BUYER, CTX)


async def test_an_address_in_another_script_that_looks_like_an_account_cannot_register(auth):
    await auth.register("ops@coop.com", PASSWORD, "Ops", Role.PRODUCER, CTX)

    # Cyrillic o, er and dze: the same three letters to the eye.
    with pytest.raises(Conflict):
        await auth.register(
            "\u043e\u0440\u0455@coop.com", "another passphrase", "Mallory", Role.BUYER, CTX
        )
    with pytest.raises(Conflict):
        await auth.register(
            "ops@\u0441\u043e\u043e\u0440.com", "another passphrase", "Mallory", Role.BUYER, CTX
        )
    # An address in another script that looks like no account is anyone's to take.
    other = await auth.register(
        "\u0438\u0432\u0430\u043d@coop.com", "another passphrase", "Ivan", Role.BUYER, CTX
    )
    assert other.email == "\u0438\u0432\u0430\u043d@coop.com"
    alone = await auth.register(
        "\u043e\u0440\u0455@example.org", "another passphrase", "Ops", Role.BUYER, CTX
    )
    assert alone.email == "\u043e\u0440\u0455@example.org"


async def test_login_works_with_a_differently_cased_email(auth, alice, issuer):
    pair = await auth.login("ALICE@EXAMPLE.COM", PASSWORD, CTX)

    claims = issuer.verify(pair.access_token)
    assert claims.user_id == alice.id
    assert claims.role == Role.PRODUCER
    assert pair.expires_in == 900
    assert pair.refresh_expires_in == int(IDLE.total_seconds())


async def test_wrong_password_and_unknown_email_fail_alike(auth, alice, hasher):
    with pytest.raises(NotAuthenticated) as wrong_password:
        await auth.login("alice@example.com", "not the password", CTX)
    assert hasher.verified == [alice.password_hash]

    with pytest.raises(NotAuthenticated) as unknown_email:
        await auth.login("nobody@example.com", PASSWORD, CTX)
    assert hasher.verified[-1] == DUMMY

    assert str(wrong_password.value) == str(unknown_email.value)


async def test_failed_logins_are_audited(auth, alice, audit):
    for email, password in [("alice@example.com", "nope"), ("ghost@Farm.org", PASSWORD)]:
        with pytest.raises(NotAuthenticated):
            await auth.login(email, password, CTX)

    known, unknown = audit.of("auth.login.failed")
    assert known.actor_id == alice.id
    assert known.metadata == {"email_domain": "example.com"}
    assert unknown.actor_id is None
    assert unknown.metadata == {"email_domain": "farm.org"}


async def test_a_deactivated_account_cannot_log_in(auth, alice, users):
    users.deactivate(alice.id)

    with pytest.raises(NotAuthenticated):
        await auth.login("alice@example.com", PASSWORD, CTX)


async def test_refresh_rotates_the_token_and_keeps_the_session(auth, alice, issuer, clock):
    first = await auth.login("alice@example.com", PASSWORD, CTX)

    second = await auth.refresh(first.refresh_token, CTX)
    clock.advance(GRACE + timedelta(seconds=1))

    assert second.refresh_token != first.refresh_token
    assert issuer.verify(second.access_token).session_id == (
        issuer.verify(first.access_token).session_id
    )
    with pytest.raises(NotAuthenticated):
        await auth.refresh(first.refresh_token, CTX)


async def test_refresh_token_reuse_revokes_the_whole_family(auth, alice, audit, clock):
    first = await auth.login("alice@example.com", PASSWORD, CTX)
    second = await auth.refresh(first.refresh_token, CTX)
    third = await auth.refresh(second.refresh_token, CTX)
    clock.advance(minutes=1)

    with pytest.raises(NotAuthenticated) as reused:
        await auth.refresh(first.refresh_token, CTX)
    with pytest.raises(NotAuthenticated):
        await auth.refresh(third.refresh_token, CTX)

    assert str(reused.value) == BAD_REFRESH
    [event] = audit.of("auth.refresh.reuse_detected")
    assert event.actor_id == alice.id
    assert event.target_type == "session"


async def test_reuse_in_one_session_leaves_other_sessions_alone(auth, alice, clock):
    laptop = await auth.login("alice@example.com", PASSWORD, CTX)
    phone = await auth.login("alice@example.com", PASSWORD, CTX)
    await auth.refresh(laptop.refresh_token, CTX)
    clock.advance(GRACE + timedelta(seconds=1))

    with pytest.raises(NotAuthenticated):
        await auth.refresh(laptop.refresh_token, CTX)

    assert (await auth.refresh(phone.refresh_token, CTX)).refresh_token


async def test_a_refresh_token_idle_for_too_long_has_expired(auth, alice, clock):
    pair = await auth.login("alice@example.com", PASSWORD, CTX)
    clock.advance(IDLE + timedelta(seconds=1))

    with pytest.raises(NotAuthenticated) as caught:
        await auth.refresh(pair.refresh_token, CTX)

    assert str(caught.value) == BAD_REFRESH


async def test_a_refresh_token_used_just_inside_the_idle_window_works(auth, alice, clock):
    pair = await auth.login("alice@example.com", PASSWORD, CTX)
    clock.advance(IDLE - timedelta(seconds=1))

    assert (await auth.refresh(pair.refresh_token, CTX)).refresh_token


async def test_the_session_lifetime_caps_refresh_expiry(auth, alice, clock):
    pair = await auth.login("alice@example.com", PASSWORD, CTX)
    assert pair.refresh_expires_in == int(IDLE.total_seconds())

    clock.advance(days=6)
    pair = await auth.refresh(pair.refresh_token, CTX)
    assert pair.refresh_expires_in == int(timedelta(days=4).total_seconds())

    clock.advance(days=3, hours=12)
    pair = await auth.refresh(pair.refresh_token, CTX)
    assert pair.refresh_expires_in == int(timedelta(hours=12).total_seconds())

    clock.advance(hours=12)
    with pytest.raises(NotAuthenticated):
        await auth.refresh(pair.refresh_token, CTX)


async def test_a_deactivated_account_cannot_refresh(auth, alice, users):
    pair = await auth.login("alice@example.com", PASSWORD, CTX)
    users.deactivate(alice.id)

    with pytest.raises(NotAuthenticated):
        await auth.refresh(pair.refresh_token, CTX)


async def test_a_made_up_refresh_token_is_refused(auth, alice):
    with pytest.raises(NotAuthenticated):
        await auth.refresh("made-up-token", CTX)


async def test_me_returns_the_account(auth, alice):
    assert await auth.me(alice.id) == alice


async def test_me_of_an_unknown_id_is_not_found(auth, alice):
    with pytest.raises(NotFound):
        await auth.me(uuid4())


async def test_two_refreshes_racing_within_the_grace_window_get_the_same_pair(auth, alice, audit):
    first = await auth.login("alice@example.com", PASSWORD, CTX)

    winner = await auth.refresh(first.refresh_token, CTX)
    racer = await auth.refresh(first.refresh_token, CTX)

    assert racer.refresh_token == winner.refresh_token
    assert racer.access_token == winner.access_token
    assert (await auth.refresh(winner.refresh_token, CTX)).access_token
    assert audit.of("auth.refresh.reuse_detected") == []
    assert len(audit.of("auth.refresh.concurrent")) == 1


async def test_a_common_password_is_refused_at_registration(auth):
    with pytest.raises(ValidationFailed) as refused:
        await auth.register("c@example.com", "password123", "C", Role.PRODUCER, CTX)
    assert refused.value.details[0].field == "password"


async def test_repeated_failures_lock_the_account_for_that_address_only(auth, alice, audit):
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            await auth.login("alice@example.com", "wrong guess", CTX)

    with pytest.raises(Throttled) as locked:
        await auth.login("alice@example.com", PASSWORD, CTX)
    # The first lock lasts a second; each failure after it doubles it (up to 30 here).
    assert locked.value.retry_after == 1
    assert audit.of("auth.login.locked_out")
    elsewhere = replace(CTX, ip="198.51.100.9")
    assert (await auth.login("alice@example.com", PASSWORD, elsewhere)).access_token


async def test_logout_revokes_the_session_and_the_access_token(auth, alice, issuer, revocations):
    pair = await auth.login("alice@example.com", PASSWORD, CTX)
    claims = issuer.verify(pair.access_token)

    await auth.logout(claims, None, CTX)

    assert claims.token_id in revocations.tokens
    assert str(claims.session_id) in revocations.sessions
    with pytest.raises(NotAuthenticated):
        await auth.refresh(pair.refresh_token, CTX)


async def test_logout_all_ends_every_session(auth, alice, issuer, revocations):
    laptop = await auth.login("alice@example.com", PASSWORD, CTX)
    phone = await auth.login("alice@example.com", PASSWORD, CTX)

    await auth.logout_all(issuer.verify(laptop.access_token), CTX)

    assert str(issuer.verify(phone.access_token).session_id) in revocations.sessions
    for pair in (laptop, phone):
        with pytest.raises(NotAuthenticated):
            await auth.refresh(pair.refresh_token, CTX)


async def test_a_user_lists_their_sessions_and_ends_one(auth, alice, issuer):
    laptop = await auth.login("alice@example.com", PASSWORD, CTX)
    phone = await auth.login("alice@example.com", PASSWORD, CTX)
    claims = issuer.verify(laptop.access_token)

    listed = {s.id for s in await auth.sessions(claims)}
    phone_session = issuer.verify(phone.access_token).session_id
    assert listed == {claims.session_id, phone_session}

    await auth.end_session(claims, phone_session, CTX)
    assert {s.id for s in await auth.sessions(claims)} == {claims.session_id}
    with pytest.raises(NotFound):
        await auth.end_session(claims, uuid4(), CTX)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
async def test_auditors_and_admins_cannot_register_themselves(auth, users, role):
    with pytest.raises(ValidationFailed) as refused:
        await auth.register("boss@example.com", PASSWORD, "Boss", role, CTX)
    assert refused.value.details[0].field == "role"
    assert await users.by_email("boss@example.com") is None
