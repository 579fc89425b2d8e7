"""GS1 keys the API accepts: the GLN (Global Location Number) of a party or a place."""

import re

GLN_DIGITS = re.compile(r"[0-9]{13}")
# GS1 AI 254: a GLN extension is 1-20 characters of GS1's CSET 82; kept to its safe core.
GLN_EXTENSION = re.compile(r"[A-Za-z0-9._/-]{1,20}")


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of `body`: weights 3 and 1 alternate from the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gln_problem(value: str) -> str | None:
    """Why `value` is not a GLN, or None when it is one."""
    if not GLN_DIGITS.fullmatch(value):
        return "a GLN is 13 digits"
    if check_digit(value[:-1]) != int(value[-1]):
        return "the GLN's check digit is wrong"
    return None
