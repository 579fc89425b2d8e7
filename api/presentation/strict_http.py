"""Header lines that RFC 9112 (section 5) says to refuse, refused with a 400.

Sanic's parser already refuses the request-smuggling shapes (Content-Length with
Transfer-Encoding, either twice) but takes a field name with whitespace in it or before its
colon (`X-Note : v`, a line folded onto the one before) and a NUL or other control character in
a value. A proxy in front may read such a line otherwise than we do, so the API refuses it too,
the same way: Sanic's BadRequest, answered in the error shape with a request id."""

import re
from typing import Any

from sanic import Sanic

# field-line = field-name ":" OWS field-value OWS; field-name = token; a value is visible
# characters, spaces, tabs and obs-text (bytes 0x80-0xFF), never NUL, CR, LF or another control.
FIELD_LINE = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[^\x00-\x08\x0a-\x1f\x7f]*")


class MalformedHeader(ValueError):
    """Turned into 400 Bad Request by Sanic's header parser."""


async def refuse_malformed_header_lines(head: bytes) -> None:
    _, *lines = head.split(b"\r\n")
    for line in lines:
        if FIELD_LINE.fullmatch(line) is None:
            raise MalformedHeader("a header line is not a valid field line")


def register(app: Sanic[Any, Any]) -> None:
    # Dispatched with the raw head inside Sanic's header parser, before a request exists.
    app.add_signal(refuse_malformed_header_lines, "http.lifecycle.read_head")
