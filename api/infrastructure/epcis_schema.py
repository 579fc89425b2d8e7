"""GS1's EPCIS 2.0 JSON Schema, vendored in api/standards/ (docs/standards.md, "Validation").

The file is `EPCIS-JSON-Schema.json` of github.com/gs1/EPCIS at commit
2b888befbc071e1c2d388e027b30149b3f51dcef (55,180 bytes). An older 37 KB draft circulates under the
same name and accepts events the ratified one refuses, so the file is checked by its digest.
"""

import hashlib
import json
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "standards" / "EPCIS-JSON-Schema.json"
SCHEMA_SHA256 = "ed3228d7867198b4a5be9748fe77f473457c6ed98224fab28a950b4ce634a041"


class SchemaMissing(RuntimeError):
    pass


def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    """The schema, refused unless it is the very file vendored."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SchemaMissing(f"GS1's EPCIS JSON Schema is not at {path}") from None
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SCHEMA_SHA256:
        raise RuntimeError(f"{path} has sha256 {digest}, not GS1's schema's {SCHEMA_SHA256}")
    schema: dict[str, Any] = json.loads(raw)
    return schema
