"""Scrub secrets from anything on its way to a log line or to Sentry."""

import re
from typing import Any

REDACTED = "[REDACTED]"
SENSITIVE_KEYS = re.compile(
    r"pass(word|wd)?|secret|token|authorization|cookie|api[-_]?key|dsn|private[-_]?key"
    r"|credential|assertion",
    re.IGNORECASE,
)
# Every pattern starts at a literal and bounds its repeats, so a long line costs linear time.
_PATTERNS = [
    # Bearer credentials and anything that looks like a JWT.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{1,4096}"), rf"\1 {REDACTED}"),
    (
        re.compile(r"\beyJ[A-Za-z0-9_-]{4,4096}\.[A-Za-z0-9_-]{4,4096}\.[A-Za-z0-9_-]{0,4096}"),
        REDACTED,
    ),
    # key=value and "key": "value" pairs whose key names a secret.
    (
        re.compile(
            r"""(?ix)
            ((?:pass(?:word|wd)?|secret|token|authorization|cookie|api[-_]?key|assertion)
             [\w-]{0,40}["']?
             \s{0,4}[:=]\s{0,4})
            ("[^"]{0,4096}"|'[^']{0,4096}'|[^\s,;&}\]"']{1,4096})
            """
        ),
        rf"\1{REDACTED}",
    ),
    # Passwords inside connection URLs.
    (re.compile(r"(?i)(://[^:/@\s]{0,256}):[^@\s/]{1,256}@"), rf"\1:{REDACTED}@"),
    (
        re.compile(
            r"-----BEGIN [A-Z ]{0,20}PRIVATE KEY-----.*?-----END [A-Z ]{0,20}PRIVATE KEY-----", re.S
        ),
        REDACTED,
    ),
]


# Each pattern needs one of these (lower-cased) in the text: most lines have none of them.
_TRIGGERS = (
    "bearer",
    "basic",
    "eyj",
    "pass",
    "secret",
    "token",
    "authoriz",
    "cookie",
    "key",
    "://",
    "private",
    "assertion",
)


def redact(text: str) -> str:
    lowered = text.lower()
    if not any(trigger in lowered for trigger in _TRIGGERS):
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_data(value: Any, key: str = "") -> Any:
    """Redact a JSON-like structure: values under secret-looking keys go entirely."""
    if key and SENSITIVE_KEYS.search(key) and value not in (None, "", [], {}):
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_data(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(v) for v in value]
    return value
