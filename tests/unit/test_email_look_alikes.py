"""Look-alike addresses by Unicode's confusables data (UTS #39): what another script's letters
pass for in Latin."""

import pytest

from api.domain.emails import latin_look_alike


@pytest.mark.parametrize(
    ("email", "twin"),
    [
        ("\u043e\u0440\u0455@coop.com", "ops@coop.com"),  # Cyrillic o, er, dze
        ("\u041e\u0420\u0405@Coop.com", "ops@coop.com"),  # the same in capitals
        ("ops@\u0441\u043e\u043e\u0440.com", "ops@coop.com"),  # a Cyrillic domain
        ("\u03c1\u03bf\u03bf@coop.com", "poo@coop.com"),  # Greek rho, omicron, omicron
        ("ops@coop.com", None),  # plain ASCII is its own
        ("\u0438\u0432\u0430\u043d@coop.com", None),  # Cyrillic that looks like nothing Latin
        ("jos\u00e9@coop.com", None),  # an accented Latin letter is a letter of its own
    ],
)
def test_an_address_passes_for_the_latin_one_it_looks_like(email: str, twin: str | None) -> None:
    assert latin_look_alike(email) == twin
