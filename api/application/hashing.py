"""Where a password hash waits in the bounded hashing queue."""

from api.application.ports import AddressStanding

# By the client address's standing: where logins have succeeded lately, then addresses we
# know nothing of, then those that have failed lately.
KNOWN_GOOD_ADDRESS, UNKNOWN_ADDRESS, FAILING_ADDRESS = 0, 1, 2


def hashing_priority(standing: AddressStanding) -> int:
    if standing.failures:
        return FAILING_ADDRESS
    return KNOWN_GOOD_ADDRESS if standing.known_good else UNKNOWN_ADDRESS
