"""Which passwords the rules refuse: common and breached ones, also in the disguises people give
them (capitals, digits and symbols at the ends, a season and a year, a walk along the keyboard),
while passphrases of ordinary words still pass."""

import pytest

from api.domain.passwords import PasswordPolicy
from api.infrastructure.security.common_passwords import CommonPasswords

POLICY = PasswordPolicy(CommonPasswords())


@pytest.mark.parametrize(
    "password",
    [
        "Passw0rd!",
        "password123!",
        "Summer2026!",
        "!!Password2024",
        "Dragon#1234",
        "Trustno1!!",
        "Winter2025",
        "Verano2026!",
        "Septiembre#2026",
        "December25!",
        "Qwertyuiop!1",
        "1qaz2wsx3edc",
        "Asdfghjkl;'",
        "zxcvbnm,./",
        "0987654321poiu",
    ],
)
def test_a_common_password_in_disguise_is_refused(password: str) -> None:
    problem = POLICY.problem(password)
    assert problem is not None, password
    assert problem.field == "password"


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "plain tea on a quiet morning",
        "another fine passphrase",
        "Mangoes ripen slowly in Uruapan 2026!",
        "tortuga-lenta-y-feliz-87",
    ],
)
def test_a_passphrase_of_ordinary_words_is_accepted(password: str) -> None:
    assert POLICY.problem(password) is None
