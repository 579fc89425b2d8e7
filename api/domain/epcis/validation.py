"""An EPCIS document checked against GS1's JSON Schema, formats included.

`jsonschema` checks `format` (a URI, a date-time) only when handed a format checker, and only
for the formats whose packages are installed (`rfc3986-validator`, `rfc3339-validator`):
without both, a non-URI identifier or a malformed time passes. The schema itself comes from the
vendored file (`api/infrastructure/epcis_schema.py`).
"""

from collections.abc import Mapping
from typing import Any

from jsonschema.exceptions import ValidationError
from jsonschema.validators import validator_for

from api.domain.epcis.document import Json

# The formats GS1's schema uses: a document is not checked without them.
REQUIRED_FORMATS = frozenset({"uri", "date-time"})


def schema_problems(document: Mapping[str, Json], schema: Mapping[str, Any]) -> list[str]:
    """What makes `document` invalid under `schema` (in the schema's own draft), each with
    where it is; empty when it is valid."""
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    checker = validator_class.FORMAT_CHECKER
    missing = REQUIRED_FORMATS - set(checker.checkers)
    if missing:
        raise RuntimeError(
            f"cannot check the formats {sorted(missing)}: "
            "install rfc3986-validator and rfc3339-validator"
        )
    validator = validator_class(schema, format_checker=checker)
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.absolute_path))
    return [_describe(error) for error in errors]


def _describe(error: ValidationError) -> str:
    # A message about an object or a list quotes all of it (an event: its salt too): name the
    # rule it fails instead.
    if isinstance(error.instance, dict | list):
        rule = "/".join(str(part) for part in error.absolute_schema_path)
        return f"{error.json_path}: fails the schema's {error.validator} at {rule}"
    return f"{error.json_path}: {error.message}"
