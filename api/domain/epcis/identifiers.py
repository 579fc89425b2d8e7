"""The URIs EPCIS events name lots, places and parties by (docs/standards.md, "Identifiers").

With a GS1 key, GS1's canonical Digital Link form on id.gs1.org; without one, a stable HTTPS URI
under our public host. A URI, once in a published event, is hashed into its eventID: the same
thing must always get the same URI.
"""

import re
from urllib.parse import quote
from uuid import UUID

from api.domain.gs1 import check_digit, gln_problem

GS1_HOST = "id.gs1.org"
# The host our own URIs are made under (lots without a GTIN, sites without a GLN, parties, our
# namespace): an identifier, never fetched, and hashed into every eventID that names one. Not
# the public base URL, a setting that differs between deployments and that `migrate` does not
# read: settled with the namespace (document.NAMESPACE) before the first event is published,
# and never changed after.
AUTHORITY = "agrobridge.example"
GTIN_LENGTHS = frozenset({8, 12, 13, 14})
DIGITS = re.compile(r"[0-9]+")
# GS1 AI 10 (batch or lot): up to 20 characters of GS1's character set 82.
AI10 = re.compile(r"""[!"%-?A-Z_a-z]{1,20}""")
# A host name (and port) only: the scheme and the path are ours to add.
HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?")


def gtin_problem(value: str) -> str | None:
    """Why `value` is not a GTIN (GTIN-8, -12, -13 or -14), or None when it is one."""
    if not DIGITS.fullmatch(value) or len(value) not in GTIN_LENGTHS:
        return "a GTIN is 8, 12, 13 or 14 digits"
    if check_digit(value[:-1]) != int(value[-1]):
        return "the GTIN's check digit is wrong"
    return None


def gtin14(value: str) -> str:
    """The GTIN as the 14 digits GS1 Digital Link and EPCIS name it by (leading zeros added)."""
    if problem := gtin_problem(value):
        raise ValueError(problem)
    return value.zfill(14)


def _segment(value: str) -> str:
    # Digital Link percent-encodes everything outside the unreserved set ("/" included).
    return quote(value, safe="")


def _base(host: str) -> str:
    if not HOST.fullmatch(host):
        raise ValueError(f"not a host name: {host!r}")
    return f"https://{host}"


def _ensure_gln(gln: str) -> None:
    if problem := gln_problem(gln):
        raise ValueError(problem)


def digital_link(host: str, gtin: str, lot: str) -> str:
    """`https://<host>/01/<GTIN-14>/10/<lot>`: the lot's GS1 Digital Link URI on `host`."""
    if not AI10.fullmatch(lot):
        raise ValueError("a lot in a GS1 Digital Link is 1-20 characters of GS1's set 82")
    return f"{_base(host)}/01/{gtin14(gtin)}/10/{_segment(lot)}"


def lot_uri(host: str, code: str, gtin: str | None = None) -> str:
    """The lot class a batch is (an EPCIS `epcClass`). A code GS1's lot field cannot hold
    (over 20 characters: clients' own codes may have 32) is named under our host, as a lot of
    a product without a GTIN is."""
    if gtin is not None and AI10.fullmatch(code):
        return digital_link(GS1_HOST, gtin, code)
    return f"{_base(host)}/id/lot/{_segment(code)}"


def location_uri(
    host: str, location_id: UUID, gln: str | None = None, gln_extension: str | None = None
) -> str:
    """A site: its GLN (AI 414, and AI 254 for the part of it) or our id of it."""
    if gln is None:
        return f"{_base(host)}/id/location/{location_id}"
    return gln_uri(gln, gln_extension)


def gln_uri(gln: str, extension: str | None = None) -> str:
    """A place by its GLN: GS1's Digital Link of AI 414, and AI 254 for a part of it."""
    _ensure_gln(gln)
    uri = f"https://{GS1_HOST}/414/{gln}"
    return uri if extension is None else f"{uri}/254/{_segment(extension)}"


def party_uri(host: str, organisation_id: UUID, gln: str | None = None) -> str:
    """An organisation: its party GLN (AI 417) or our id of it."""
    if gln is None:
        return f"{_base(host)}/id/organisation/{organisation_id}"
    _ensure_gln(gln)
    return f"https://{GS1_HOST}/417/{gln}"


def document_uri(host: str, organisation_id: UUID, kind: str, number: str) -> str:
    """A business document of an organisation's (a bill of lading, a purchase order...): our
    URI of its type and number, since the numbers are the issuer's own."""
    return f"{_base(host)}/id/document/{organisation_id}/{_segment(kind)}/{_segment(number)}"


def document_type_uri(host: str, kind: str) -> str:
    """A document type CBV has no word for, as our own URI (EPCIS allows any URI there)."""
    return f"{_base(host)}/id/document-type/{_segment(kind)}"
