"""Batch codes the server makes: random, with a check character, in a namespace of their own.

`AGB-XXXX-XXXX-XXXC`: 11 random symbols of Crockford's base 32 (55 bits, so neither guessable
nor a count of the platform's batches) and a Luhn mod 32 check symbol that catches any single
mistyped symbol and most swaps. Codes a client supplies may not start with `AGB-`.

A batch's public code is what its public page answers to: a server-made code is unguessable
already and is its own public code; a client's code (`LOT-2026-0001`, guessed at once) is
public only under a random suffix, `LOT-2026-0001.` and 12 symbols made like a server code's
(docs/security.md, "When a lot becomes public").
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


PUBLIC_SEPARATOR = "."  # never in a client's code, so a public code names one batch


def _random_symbols() -> str:
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    return payload + check_symbol(payload)


def new_code() -> str:
    symbols = _random_symbols()
    return PREFIX + "-".join(symbols[i : i + 4] for i in range(0, len(symbols), 4))


def public_code_for(code: str) -> str:
    if is_valid_server_code(code):
        return code
    return code + PUBLIC_SEPARATOR + _random_symbols()


def is_valid_server_code(code: str) -> bool:
    if not code.startswith(PREFIX):
        return False
    symbols = code[len(PREFIX) :].replace("-", "")
    if len(symbols) != RANDOM_SYMBOLS + 1 or any(s not in ALPHABET for s in symbols):
        return False
    return check_symbol(symbols[:-1]) == symbols[-1]


def in_server_namespace(code: str) -> bool:
    return code.upper().startswith(PREFIX)
