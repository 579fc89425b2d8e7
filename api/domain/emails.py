"""Email addresses as accounts are keyed: validated, and normalised so that look-alikes of an
address cannot become accounts of their own.

python-email-validator refuses control and invisible characters (zero-width space and the
like) and gives the domain's IDNA (punycode) form; on top of it a local part or domain label
may not mix Latin, Cyrillic and Greek letters ("ana" with a Cyrillic first letter). A part
wholly in another script may still look like a Latin one (Cyrillic o, er and dze read "ops"):
`latin_look_alike` gives the address it would pass for, by Unicode's confusables data (UTS #39,
through the confusable-homoglyphs package), so that registration can refuse it beside that
account.
"""

import unicodedata
from functools import cache

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


@cache
def _homoglyphs() -> dict[str, list[dict[str, str]]]:
    # Read on first use, not at import: the package loads its data file when imported.
    from confusable_homoglyphs import confusables

    data: dict[str, list[dict[str, str]]] = confusables.confusables_data
    return data


def load_confusables() -> None:
    """Read the confusables data now (at start-up), not during the first registration."""
    _homoglyphs()


def _latin_skeleton(text: str) -> str:
    """Each character that Unicode lists as confusable with one ASCII letter or digit becomes
    that character; the others stay as they are."""
    out = []
    for char in text:
        if char.isascii():
            out.append(char)
            continue
        plain = [
            g["c"] for g in _homoglyphs().get(char, []) if len(g["c"]) == 1 and g["c"].isascii()
        ]
        out.append(plain[0].lower() if plain and plain[0].isalnum() else char)
    return "".join(out)


def latin_look_alike(email: str) -> str | None:
    """For an address with letters in another script, the all-ASCII address it is confusable
    with (`ops@coop.com` for one spelt in Cyrillic letters); None when it has no such twin."""
    local, _, domain = canonical_email(email).rpartition("@")
    unicode_domain = domain.encode().decode("idna") if "xn--" in domain else domain
    if local.isascii() and unicode_domain.isascii():
        return None
    twin = f"{_latin_skeleton(local)}@{_latin_skeleton(unicode_domain)}"
    if not twin.isascii():
        return None
    try:
        return canonical_email(twin)
    except InvalidEmail:
        return None


def lookup_email(email: str) -> str:
    """For logins: the canonical form, or a plain fold of what cannot be valid (no account)."""
    try:
        return canonical_email(email)
    except InvalidEmail:
        return email.strip().lower()
