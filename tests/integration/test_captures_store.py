"""EPCIS capture jobs' repository: one suite for the PostgreSQL adapter and its fake."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from api.application.ports import CaptureRepository
from api.domain.epcis.capture import CaptureJob
from api.infrastructure.db.captures import PgCaptures
from api.presentation.context import Services
from tests.integration.conftest import producer
from tests.support.fakes import FakeCaptures

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
EVENT_ID = "ni:///sha-256;" + "ab" * 32 + "?ver=CBV2.0"


@pytest.fixture(params=["memory", "postgres"])
def repo(request: pytest.FixtureRequest, services: Services) -> CaptureRepository:
    return FakeCaptures() if request.param == "memory" else PgCaptures()


async def test_a_job_reads_back_whole_for_its_organisation_only(
    repo: CaptureRepository, services: Services
) -> None:
    owner, other = await producer(services), await producer(services)
    at = datetime.now(UTC).replace(microsecond=0)
    job = CaptureJob(
        uuid.uuid4(), owner.org, uuid.uuid4(), True, at, at + timedelta(milliseconds=5),
        (EVENT_ID,),
    )  # fmt: skip
    await repo.add(job)

    assert await repo.get(job.id, owner.org) == job
    assert await repo.get(job.id, other.org) is None
    assert await repo.get(uuid.uuid4(), owner.org) is None
