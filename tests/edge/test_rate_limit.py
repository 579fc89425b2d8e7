"""The design's limit at the edge: 10 requests/s per client address, bursts of 20."""

import time

import pytest

from tests.edge.conftest import assert_edge_error
from tests.edge.curl import Curl

pytestmark = pytest.mark.e2e

BURST = 20
RATE_PER_SECOND = 10
ATTEMPTS = 50  # well past the burst, however slow the machine


def test_a_burst_past_twenty_requests_gets_429_with_the_json_error(edge: Curl) -> None:
    started = time.monotonic()
    replies = edge.burst("/api/v1/health", ATTEMPTS, source="127.0.0.2")
    elapsed = time.monotonic() - started
    statuses = [reply.status for reply in replies]
    assert statuses[: BURST + 1] == [200] * (BURST + 1), statuses
    assert 429 in statuses, statuses
    # Only what refilled at 10/s while the burst went on got through beyond the first 21.
    allowed = statuses.count(200)
    assert allowed <= BURST + 1 + RATE_PER_SECOND * elapsed + 1, statuses
    refused = next(reply for reply in replies if reply.status == 429)
    assert_edge_error(refused, 429, "rate_limited")
    assert refused.header("retry-after") == "1"


def test_one_clients_burst_does_not_limit_another_client(edge: Curl) -> None:
    statuses = [reply.status for reply in edge.burst("/api/v1/health", ATTEMPTS, "127.0.0.2")]
    assert 429 in statuses
    assert edge.get("/api/v1/health", source="127.0.0.3").status == 200
