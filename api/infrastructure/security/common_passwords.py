"""Common and breached passwords, to be refused at registration and on a password change.

common_passwords.txt.gz, beside this module, holds 55,860 of them (gzip keeps the repository
small); its header names the published lists they come from and their licences. The file is
read on the first lookup, never at import time.
"""

import gzip
from pathlib import Path

DEFAULT_PATH = Path(__file__).with_name("common_passwords.txt.gz")


class CommonPasswords:
    """A set of common passwords, read lazily from a UTF-8 text file with one password a line
    (gzip-compressed when its name ends in `.gz`).

    The file may open with a header of ``#`` comment lines. After the header every non-blank
    line is an entry, because some published passwords themselves begin with ``#``.
    Lookups ignore case and surrounding whitespace.
    """

    def __init__(self, path: Path | str = DEFAULT_PATH) -> None:
        self._path = Path(path)
        self._passwords: frozenset[str] | None = None

    def __contains__(self, password: str) -> bool:
        return _normalise(password) in self._load()

    def __len__(self) -> int:
        return len(self._load())

    def _load(self) -> frozenset[str]:
        if self._passwords is None:
            raw = self._path.read_bytes()
            if self._path.suffix == ".gz":
                raw = gzip.decompress(raw)
            self._passwords = _parse(raw.decode("utf-8"))
        return self._passwords


def _normalise(password: str) -> str:
    return password.strip().casefold()


def _parse(text: str) -> frozenset[str]:
    entries: set[str] = set()
    in_header = True
    # Split on newlines only: str.splitlines() would also split on rarer separators.
    for line in text.split("\n"):
        entry = _normalise(line)
        if not entry or (in_header and entry.startswith("#")):
            continue
        in_header = False
        entries.add(entry)
    return frozenset(entries)
