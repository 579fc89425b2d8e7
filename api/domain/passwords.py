"""Password rules after NIST SP 800-63B: length only, no composition rules; refuse common
passwords and words from the context (the service's name, the user's email and name).

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


class PasswordList(Protocol):
    def __contains__(self, password: str, /) -> bool: ...


def normalise_password(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def legacy_form(password: str) -> str:
    """How passwords were hashed before normalisation: trimmed, as typed."""
    return password.strip()


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
        if password in self.common:
            return FieldIssue("password", "is one of the most common passwords; choose another")
        folded = _folded(password)
        if any(word in folded for word in context_words(email, full_name)):
            return FieldIssue(
                "password", "must not contain the service's name, your email or your name"
            )
        return None
