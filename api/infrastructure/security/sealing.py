"""Encrypt a value under a key that only the holder of a given secret can derive.

A refresh token's successor pair is sealed with a key derived from that refresh token; the
database keeps only the token's SHA-256 hash, so what it stores cannot be opened without it.
"""

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_CONTEXT = b"agrobridge refresh successor v1\x00"


def _key(secret: str) -> bytes:
    return hashlib.sha256(_CONTEXT + secret.encode()).digest()


class AesGcmSealer:
    def seal(self, secret: str, plaintext: bytes) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(_key(secret)).encrypt(nonce, plaintext, _CONTEXT)
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, secret: str, sealed: str) -> bytes | None:
        try:
            raw = base64.urlsafe_b64decode(sealed.encode())
            return AESGCM(_key(secret)).decrypt(raw[:12], raw[12:], _CONTEXT)
        except (InvalidTag, ValueError):
            return None
