"""Accounts and sessions against real PostgreSQL."""

import socket
import uuid
from functools import partial

import pytest

from api.domain.errors import Conflict, NotAuthenticated, ValidationFailed
from api.domain.organisations import Activity, MemberRole, NewOrganisation
from api.domain.users import Role
from api.infrastructure.cache.redis import RedisProbe, connect
from api.infrastructure.db.models import AuditLogRow
from api.infrastructure.faults import DependencyUnavailable
from api.presentation.context import Services
from tests.integration.conftest import CTX, producer

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

PASSWORD = "a fine passphrase"


async def test_emails_are_unique_whatever_their_case(services: Services) -> None:
    local = uuid.uuid4().hex[:8]
    await services.auth.register(f"{local}@Example.com", PASSWORD, "A", Role.PRODUCER, CTX)
    with pytest.raises(Conflict):
        await services.auth.register(f"{local.upper()}@EXAMPLE.COM", PASSWORD, "B", Role.BUYER, CTX)


async def test_an_invitation_revoked_before_the_account_is_made_leaves_no_account(
    services: Services,
) -> None:
    """Registering with an invitation makes the account and joins in one transaction: an
    invitation that turns invalid between the early check and the join leaves nothing made."""
    owner = await producer(services)
    org = await services.organisations.create(
        owner, NewOrganisation("Empacadora Sol", "MX", frozenset({Activity.BUYER})), CTX
    )
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    invitation, token, _ = await services.organisations.invite(
        owner, org.id, email, MemberRole.MANAGER, CTX
    )
    await services.organisations.check_invitation(token, email)
    await services.organisations.revoke_invitation(owner, org.id, invitation.id, CTX)
    join = partial(services.organisations.join, token=token, ctx=CTX, field="invitation_token")

    with pytest.raises(ValidationFailed):
        await services.auth.register(email, PASSWORD, "Bo", Role.BUYER, CTX, None, join)

    # Nothing was kept: the address is free, and the account made with it owns no other.
    user = await services.auth.register(email, PASSWORD, "Bo", Role.BUYER, CTX)
    assert await services.organisations.repo.role_of(org.id, user.id) is None


async def test_refresh_reuse_ends_the_session_for_good(services: Services) -> None:
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    user = await services.auth.register(email, PASSWORD, "A", Role.PRODUCER, CTX)
    first = await services.auth.login(email, PASSWORD, CTX)
    second = await services.auth.refresh(first.refresh_token, CTX)

    with pytest.raises(NotAuthenticated):
        await services.auth.refresh(first.refresh_token, CTX)
    # The revocation committed although the request that caused it was refused.
    with pytest.raises(NotAuthenticated):
        await services.auth.refresh(second.refresh_token, CTX)
    rows = await AuditLogRow.filter(actor_id=user.id)
    assert "auth.refresh.reuse_detected" in {row.action for row in rows}


async def test_failed_logins_are_audited_without_the_password(services: Services) -> None:
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    user = await services.auth.register(email, PASSWORD, "A", Role.PRODUCER, CTX)
    with pytest.raises(NotAuthenticated):
        await services.auth.login(email, "wrong passphrase", CTX)
    row = await AuditLogRow.get(actor_id=user.id, action="auth.login.failed")
    assert row.request_id == CTX.request_id
    assert row.ip == CTX.ip
    assert "wrong passphrase" not in str(row.metadata)


async def test_readiness_probes_reach_postgres_and_redis_and_fail_without_them(
    services: Services,
) -> None:
    assert set(services.probes) == {"postgres", "redis"}
    for probe in services.probes.values():
        await probe.ping()
    # A probe that cannot reach its server must say so, or readiness would lie.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        nothing_there = sock.getsockname()[1]
    unreachable = connect(f"redis://127.0.0.1:{nothing_there}/0")
    try:
        with pytest.raises(DependencyUnavailable) as failed:
            await RedisProbe(unreachable).ping()
        assert failed.value.dependency == "redis"
    finally:
        await unreachable.aclose()
