"""Batch codes the server makes: random, with a check character, in a namespace of their own.

`AGB-XXXX-XXXX-XXXC`: 11 random symbols of Crockford's base 32 (55 bits, so neither guessable
nor a count of the platform's batches) and a Luhn mod 32 check symbol that catches any single
mistyped symbol and most swaps. Codes a client supplies may not start with `AGB-`.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
PREFIX = "AGB-"
RANDOM_SYMBOLS = 11


def check_symbol(payload: str) -> str:
    """Luhn mod N over ALPHABET (N = 32)."""
    n = len(ALPHABET)
    total, factor = 0, 2
    for symbol in reversed(payload):
        addend = factor * ALPHABET.index(symbol)
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def new_code() -> str:
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    symbols = payload + check_symbol(payload)
    return PREFIX + "-".join(symbols[i : i + 4] for i in range(0, len(symbols), 4))


def is_valid_server_code(code: str) -> bool:
    if not code.startswith(PREFIX):
        return False
    symbols = code[len(PREFIX) :].replace("-", "")
    if len(symbols) != RANDOM_SYMBOLS + 1 or any(s not in ALPHABET for s in symbols):
        return False
    return check_symbol(symbols[:-1]) == symbols[-1]


def in_server_namespace(code: str) -> bool:
    return code.upper().startswith(PREFIX)
