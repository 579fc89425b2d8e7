"""Password rules after NIST SP 800-63B: length only, no composition rules; refuse common and
breached passwords, also disguised (capitals, digits and symbols at the ends: `Passw0rd!`,
`Summer2026!`), a season or month with a year, a walk along the keyboard, and words from the
context (the service's name, the user's email and name).

Passwords are compared in Unicode's NFKC form, so that the same password typed on another
keyboard or system matches; spaces are characters like any other and are kept.
"""

import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from api.domain.errors import FieldIssue

MIN_LENGTH = 8
MAX_LENGTH = 256
SERVICE_WORDS = ("agrobridge", "agro bridge")
# Shorter parts of a name or email ("ana", "mx") would refuse too many good passwords.
MIN_CONTEXT_WORD = 4
# What people put around a common word to pass composition rules: digits and symbols.
_AROUND = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_SYMBOLS_AROUND = re.compile(r"^[\W_]+|[\W_]+$")
# Seasons and months, in English and Spanish ("Summer2026!", "Septiembre#2026").
_SEASON_OR_MONTH = re.compile(
    r"(spring|summer|autumn|fall|winter|primavera|verano|oto[nñ]o|invierno"
    r"|january|february|march|april|may|june|july|august|september|october|november|december"
    r"|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre"
    r"|noviembre|diciembre)+"
)
# Rows and columns of a QWERTY keyboard; a walk may run either way along them.
_KEYBOARD = ("1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./",
             "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/")  # fmt: skip
_WALKS = (*_KEYBOARD, *(row[::-1] for row in _KEYBOARD))
MIN_WALK = 3


class PasswordList(Protocol):
    def __contains__(self, password: str, /) -> bool: ...


def normalise_password(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def legacy_form(password: str) -> str:
    """How passwords were hashed before normalisation: trimmed, as typed."""
    return password.strip()


def guessable_forms(password: str) -> tuple[str, ...]:
    """The password as a guesser tries it: case-folded, then without the symbols at its ends,
    then without the digits and symbols there too (`Passw0rd!` is `passw0rd`, `password123!`
    is `password123` and `password`); the last is the core the patterns are checked on."""
    whole = normalise_password(password).strip().casefold()
    forms = [whole, _SYMBOLS_AROUND.sub("", whole), _AROUND.sub("", whole)]
    return tuple(dict.fromkeys(form for form in forms if form))


def _is_keyboard_walk(text: str) -> bool:
    """Made of runs of at least MIN_WALK keys along one row or column (`qwerasdf`, `poiu`)."""
    if len(text) < MIN_WALK + 1:
        return False
    at = 0
    while at < len(text):
        run = max(
            (n for n in range(len(text) - at, MIN_WALK - 1, -1)
             if any(text[at : at + n] in walk for walk in _WALKS)),
            default=0,
        )  # fmt: skip
        if not run:
            return False
        at += run
    return True


def is_guessable(password: str, common: "PasswordList") -> bool:
    forms = guessable_forms(password)
    core = forms[-1]
    return (
        any(form in common for form in forms)
        or _SEASON_OR_MONTH.fullmatch(core) is not None
        or _is_keyboard_walk(core)
    )


def _folded(text: str) -> str:
    return re.sub(r"[\W_]+", "", normalise_password(text).casefold())


def context_words(email: str = "", full_name: str = "") -> tuple[str, ...]:
    local, _, domain = email.partition("@")
    words = [*SERVICE_WORDS, local, domain.partition(".")[0], full_name, *full_name.split()]
    words += re.split(r"[._+-]+", local)
    return tuple(w for w in {_folded(w) for w in words} if len(w) >= MIN_CONTEXT_WORD)


@dataclass(frozen=True)
class PasswordPolicy:
    common: PasswordList

    def problem(self, password: str, email: str = "", full_name: str = "") -> FieldIssue | None:
        password = normalise_password(password)
        if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
            return FieldIssue("password", f"must be {MIN_LENGTH} to {MAX_LENGTH} characters")
        if is_guessable(password, self.common):
            return FieldIssue("password", "is one of the most common passwords; choose another")
        folded = _folded(password)
        if any(word in folded for word in context_words(email, full_name)):
            return FieldIssue(
                "password", "must not contain the service's name, your email or your name"
            )
        return None
