"""RSA signing keys from files: the current key signs, older public keys still verify."""

import base64
import hashlib
import json
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey


class KeyFileError(RuntimeError):
    pass


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def public_jwk(key: RSAPublicKey) -> dict[str, str]:
    numbers = key.public_numbers()
    return {"kty": "RSA", "e": _b64(numbers.e), "n": _b64(numbers.n)}


def thumbprint(key: RSAPublicKey) -> str:
    """RFC 7638 JWK thumbprint: a stable key id that every holder of the key can compute."""
    canonical = json.dumps(public_jwk(key), sort_keys=True, separators=(",", ":"))
    return (
        base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).decode().rstrip("=")
    )


@dataclass(frozen=True)
class KeyRing:
    signing_key: RSAPrivateKey
    signing_kid: str
    verify_keys: dict[str, RSAPublicKey]

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {
            "keys": [
                {**public_jwk(key), "kid": kid, "use": "sig", "alg": "RS256"}
                for kid, key in self.verify_keys.items()
            ]
        }


def load_private_key(path: Path) -> RSAPrivateKey:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"{path} is readable by group or others; chmod 600 it")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, RSAPrivateKey):
        raise KeyFileError(f"{path} is not an RSA private key")
    return key


def load_public_key(path: Path) -> RSAPublicKey:
    data = path.read_bytes()
    if b"PRIVATE KEY" in data:
        return load_private_key(path).public_key()
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, RSAPublicKey):
        raise KeyFileError(f"{path} is not an RSA public key")
    return key


def write_private_key(path: Path, bits: int = 3072) -> None:
    """Create a new RSA key readable by its owner only; never overwrite an existing one."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def retired_dir(signing: Path) -> Path:
    """Where rotation keeps the public halves of former signing keys."""
    return signing.parent / "retired"


def load_key_ring(signing: Path, older: tuple[Path, ...] = ()) -> KeyRing:
    private = load_private_key(signing)
    kid = thumbprint(private.public_key())
    verify = {kid: private.public_key()}
    retired = sorted(retired_dir(signing).glob("*.pem")) if retired_dir(signing).is_dir() else []
    for path in (*older, *retired):
        public = load_public_key(path)
        verify.setdefault(thumbprint(public), public)
    return KeyRing(private, kid, verify)


def rotate(signing: Path, keep_retired_seconds: int) -> tuple[str, str]:
    """Retire the signing key and put a new one in its place; return (old kid, new kid).

    The old public key keeps verifying the tokens it signed; retired keys older than
    `keep_retired_seconds` (longer than any token lives) are deleted.
    """
    old = load_private_key(signing).public_key()
    old_kid = thumbprint(old)
    retired = retired_dir(signing)
    retired.mkdir(mode=0o700, exist_ok=True)
    pem = old.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (retired / f"{old_kid}.pem").write_bytes(pem)
    fresh = signing.with_name(signing.name + ".new")
    fresh.unlink(missing_ok=True)
    write_private_key(fresh)
    os.replace(fresh, signing)
    cutoff = time.time() - keep_retired_seconds
    for path in retired.glob("*.pem"):
        if path.stem != old_kid and path.stat().st_mtime < cutoff:
            path.unlink()
    return old_kid, thumbprint(load_private_key(signing).public_key())
