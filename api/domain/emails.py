"""Email addresses as accounts are keyed: validated, and normalised so that look-alikes of an
address cannot become accounts of their own.

python-email-validator refuses control and invisible characters (zero-width space and the
like) and gives the domain's IDNA (punycode) form; on top of it a local part or domain label
may not mix Latin, Cyrillic and Greek letters ("ana" with a Cyrillic first letter).
"""

import unicodedata

from email_validator import EmailNotValidError, validate_email

CONFUSABLE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")


class InvalidEmail(ValueError):
    pass


def _scripts(text: str) -> set[str]:
    found = set()
    for char in text:
        if char.isalpha():
            script = unicodedata.name(char, "").split(" ", 1)[0]
            if script in CONFUSABLE_SCRIPTS:
                found.add(script)
    return found


def canonical_email(email: str) -> str:
    """The form accounts are stored and looked up by: lower-case local part, ASCII domain."""
    try:
        info = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(str(exc)) from None
    for part in (info.local_part, *info.domain.split(".")):
        if len(_scripts(part)) > 1:
            raise InvalidEmail(f"'{part}' mixes letters of different scripts")
    return f"{info.local_part.lower()}@{info.ascii_domain}"


def lookup_email(email: str) -> str:
    """For logins: the canonical form, or a plain fold of what cannot be valid (no account)."""
    try:
        return canonical_email(email)
    except InvalidEmail:
        return email.strip().lower()
