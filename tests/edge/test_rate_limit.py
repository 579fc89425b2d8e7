"""The design's limit at the edge: 10 requests/s per client address, bursts of 20."""

import time

import pytest

from tests.edge.conftest import assert_edge_error
from tests.edge.curl import Curl
from tests.edge.nginx import EXEMPT_SOURCE

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


def test_an_exempt_source_is_not_limited_while_others_are(edge: Curl) -> None:
    # The load test's source (nginx_rate_limit_exempt): its burst reaches the API whole.
    statuses = [reply.status for reply in edge.burst("/api/v1/health", ATTEMPTS, EXEMPT_SOURCE)]
    assert statuses == [200] * ATTEMPTS, statuses
    others = [reply.status for reply in edge.burst("/api/v1/health", ATTEMPTS, "127.0.0.4")]
    assert 429 in others, others
