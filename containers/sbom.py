"""The image's software bill of materials (CycloneDX 1.5 JSON), made inside the build from what
is installed: the Debian packages (dpkg's database) and the Python distributions of /opt/venv,
each with its package URL. Deterministic: its time is SOURCE_DATE_EPOCH and its serial number is
derived from its contents, so the same build gives the same file.

Usage: python sbom.py DPKG_STATUS OUTPUT   (run by the venv's Python, whose packages it lists)
"""

import hashlib
import importlib.metadata
import json
import os
import sys
import uuid
from datetime import UTC, datetime
from urllib.parse import quote


def debian_packages(status: str) -> list[dict[str, object]]:
    packages: list[dict[str, object]] = []
    with open(status, encoding="utf-8") as database:
        stanzas = database.read().split("\n\n")
    for stanza in stanzas:
        fields = dict(
            line.split(": ", 1) for line in stanza.splitlines() if ": " in line and line[0] != " "
        )
        if "install ok installed" not in fields.get("Status", ""):
            continue
        name, version, arch = fields["Package"], fields["Version"], fields["Architecture"]
        purl = f"pkg:deb/debian/{name}@{quote(version, safe='')}?arch={arch}&distro=bookworm"
        packages.append({"type": "library", "bom-ref": purl, "name": name,
                         "version": version, "purl": purl})  # fmt: skip
    return packages


def python_distributions() -> list[dict[str, object]]:
    found = []
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        normalised = name.lower().replace("_", "-").replace(".", "-")
        purl = f"pkg:pypi/{normalised}@{dist.version}"
        component: dict[str, object] = {"type": "library", "bom-ref": purl, "name": name,
                                        "version": dist.version, "purl": purl}  # fmt: skip
        if licence := dist.metadata["License-Expression"]:
            component["licenses"] = [{"expression": licence}]
        found.append(component)
    return found


def interpreter() -> dict[str, object]:
    """The Python running this: Debian's python3.11 package on a plain Debian base (listed with
    the packages too), or the Python image's own build under /usr/local."""
    version = ".".join(map(str, sys.version_info[:3]))
    purl = f"pkg:generic/cpython@{version}"
    return {"type": "application", "bom-ref": purl, "name": "cpython", "version": version,
            "purl": purl}  # fmt: skip


def main() -> None:
    status, output = sys.argv[1:]
    components = sorted(
        [*debian_packages(status), *python_distributions(), interpreter()],
        key=lambda c: str(c["bom-ref"]),
    )
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH") or 0)
    digest = hashlib.sha256(json.dumps(components, sort_keys=True).encode()).hexdigest()
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.UUID(digest[:32])}",
        "version": 1,
        "metadata": {
            "timestamp": datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "component": {
                "type": "container",
                "name": "agrobridge-api",
                "version": os.environ.get("VERSION", "0.0.0+unknown"),
            },
        },
        "components": components,
    }
    with open(output, "w", encoding="utf-8") as out:
        json.dump(bom, out, indent=1, sort_keys=True)
        out.write("\n")


if __name__ == "__main__":
    main()
