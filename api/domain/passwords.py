"""Password rules after OWASP ASVS: length only, no composition rules, no common passwords."""

from dataclasses import dataclass
from typing import Protocol

from api.domain.errors import FieldIssue

MIN_LENGTH = 8
MAX_LENGTH = 256


class PasswordList(Protocol):
    def __contains__(self, password: str, /) -> bool: ...


@dataclass(frozen=True)
class PasswordPolicy:
    common: PasswordList

    def problem(self, password: str) -> FieldIssue | None:
        if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
            return FieldIssue("password", f"must be {MIN_LENGTH} to {MAX_LENGTH} characters")
        if password in self.common:
            return FieldIssue("password", "is one of the most common passwords; choose another")
        return None
