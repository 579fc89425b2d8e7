"""The sender refuses, before connecting, a URL or a name that leads to our own network; nothing
here connects anywhere (the resolver is the test's)."""

import pytest

from api.infrastructure.webhooks.sender import HttpSender


def resolving_to(*addresses: str):
    async def resolver(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolver


@pytest.mark.parametrize(
    "addresses",
    [
        ("10.0.0.5",),
        ("127.0.0.1",),
        ("169.254.169.254",),
        ("fd00::1",),
        # One private address among public ones is enough: the name could lead to it.
        ("93.184.216.34", "192.168.0.10"),
    ],
)
async def test_a_name_resolving_to_a_private_address_is_refused(addresses):
    sender = HttpSender(1.0, allow_private=False, resolver=resolving_to(*addresses))
    try:
        outcome = await sender.send("https://erp.partner.example/hooks", {}, b"{}")
    finally:
        await sender.close()
    assert not outcome.ok
    assert outcome.error is not None
    assert outcome.error.startswith("refused: the host resolves to")


async def test_a_name_that_does_not_resolve_is_a_failure_to_retry():
    async def unknown(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    sender = HttpSender(1.0, allow_private=False, resolver=unknown)
    try:
        outcome = await sender.send("https://nowhere.partner.example/", {}, b"{}")
    finally:
        await sender.close()
    assert (outcome.ok, outcome.error) == (False, "the host name does not resolve")


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1/hooks", "http://erp.partner.example/", "https://localhost/"]
)
async def test_a_url_refused_by_the_rules_is_never_resolved(url):
    async def must_not_resolve(host: str, port: int) -> list[str]:
        raise AssertionError("resolved")

    sender = HttpSender(1.0, allow_private=False, resolver=must_not_resolve)
    try:
        outcome = await sender.send(url, {}, b"{}")
    finally:
        await sender.close()
    assert outcome.error is not None
    assert outcome.error.startswith("refused:")
