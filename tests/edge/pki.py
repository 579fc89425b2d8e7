"""Throwaway certificates made with openssl at test time: nothing secret is committed."""

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Issued:
    cert: Path
    key: Path


def _openssl(*args: str) -> None:
    done = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


def _new_key(path: Path) -> None:
    _openssl(
        "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(path)
    )


def make_ca(directory: Path) -> Issued:
    directory.mkdir(parents=True, exist_ok=True)
    ca = Issued(directory / "ca.pem", directory / "ca.key")
    _new_key(ca.key)
    _openssl(
        "req", "-x509", "-new", "-key", str(ca.key), "-days", "2", "-out", str(ca.cert),
        "-subj", "/CN=AgroBridge edge test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    return ca


def issue(ca: Issued, directory: Path, name: str, san: str) -> Issued:
    """A leaf certificate for `san` (e.g. "DNS:agrobridge.test" or "IP:127.0.0.1")."""
    directory.mkdir(parents=True, exist_ok=True)
    leaf = Issued(directory / f"{name}.pem", directory / f"{name}.key")
    request = directory / f"{name}.csr"
    extensions = directory / f"{name}.ext"
    _new_key(leaf.key)
    _openssl("req", "-new", "-key", str(leaf.key), "-subj", f"/CN={name}", "-out", str(request))
    extensions.write_text(f"subjectAltName={san}\nextendedKeyUsage=serverAuth\n")
    _openssl(
        "x509", "-req", "-in", str(request), "-CA", str(ca.cert), "-CAkey", str(ca.key),
        "-CAcreateserial", "-days", "2", "-extfile", str(extensions), "-out", str(leaf.cert),
    )  # fmt: skip
    return leaf
