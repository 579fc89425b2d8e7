"""The webhook rules partners and operators rely on: signatures any Standard Webhooks library
verifies, retries that back off for about three days, and URLs and addresses a delivery may
never reach."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from api.domain.webhooks import (
    RetryPolicy,
    address_refused,
    check_event_types,
    new_secret,
    sign,
    signature_header,
    url_problem,
)
from tests.support.standard_webhooks import InvalidSignature, verify

# The example of the Standard Webhooks specification.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def headers(signature: str, msg_id: str = SPEC_ID, ts: int = SPEC_TIMESTAMP) -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": signature}


def test_the_signature_is_the_specifications_example():
    assert sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_an_independent_verifier_accepts_our_signature_and_refuses_a_changed_body():
    secret = new_secret()
    body = b'{"type":"batch.shipped"}'
    signature = sign(secret, "msg_1", 1_700_000_000, body)
    verify(secret, headers(signature, "msg_1", 1_700_000_000), body, now=1_700_000_000)
    with pytest.raises(InvalidSignature):
        verify(secret, headers(signature, "msg_1", 1_700_000_000), body + b" ", 1_700_000_000)
    with pytest.raises(InvalidSignature):
        verify(new_secret(), headers(signature, "msg_1", 1_700_000_000), body, 1_700_000_000)


def test_during_a_rotation_receivers_holding_either_secret_accept_the_message():
    old, new = new_secret(), new_secret()
    header = signature_header([new, old], "msg_2", 1_700_000_000, b"{}")
    assert header.count("v1,") == 2
    for secret in (old, new):
        verify(secret, headers(header, "msg_2", 1_700_000_000), b"{}", now=1_700_000_000)


def test_secrets_are_prefixed_and_long_enough():
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(secret) >= len("whsec_") + 32  # base64 of 24 bytes or more
    assert secret != new_secret()


def test_the_backoff_doubles_with_jitter_up_to_its_ceiling():
    policy = RetryPolicy(first=timedelta(seconds=5), ceiling=timedelta(hours=6))
    rand = random.Random(7)
    delays = [policy.delay(n, rand) for n in range(1, 20)]
    assert timedelta(seconds=4) <= delays[0] <= timedelta(seconds=6)
    assert timedelta(seconds=8) <= delays[1] <= timedelta(seconds=12)
    assert all(d <= timedelta(hours=6) * 1.2 for d in delays)
    assert delays[-1] >= timedelta(hours=6) * 0.8
    # Jitter: two workers retrying the same moment do not retry together.
    assert len({policy.delay(3) for _ in range(20)}) > 1


def test_retries_stop_after_about_three_days():
    policy = RetryPolicy()
    start = datetime(2031, 1, 1, tzinfo=UTC)
    now, attempts = start, 0
    while (at := policy.next_attempt(start, now, attempts + 1)) is not None:
        now, attempts = at, attempts + 1
    assert timedelta(days=3) <= now - start < timedelta(days=3, hours=8)
    assert 15 <= attempts <= 30


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # the cloud metadata service
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 - an address refused, not bound to
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "224.0.0.1",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(address):
    assert address_refused(address) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_are_allowed(address):
    assert address_refused(address) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://partner.example/hook",
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://localhost/hook",
        "https://user:pw@partner.example/hook",
        "ftp://partner.example/",
        "https:///nohost",
        "https://partner.example:99999/",
        "https://partner.example/" + "a" * 2000,
        "https://partner.example/a b",
    ],
)
def test_unsafe_or_malformed_urls_are_refused(url):
    assert url_problem(url, allow_private=False) is not None


def test_a_setting_allows_local_targets_for_tests_and_development():
    assert url_problem("http://127.0.0.1:8080/hook", allow_private=True) is None
    assert url_problem("https://partner.example/hook?x=1", allow_private=False) is None


def test_event_types_must_be_known():
    assert check_event_types(["batch.shipped", "transaction.recorded"]) is None
    assert check_event_types([]) is not None
    assert "batch.teleported" in (check_event_types(["batch.teleported"]) or "")
