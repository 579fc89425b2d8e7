"""The public view and the verify page by the version of what they show: a request whose
ETag names the current version gets its 304 after one cheap read (no chain read), and a full
answer of a version this worker has already made is sent as made. What is kept here is named by
the version, which changes with every row it was made from, so nothing kept can be out of date:
it can only be of a version no one reads any more, and goes as the least recently used."""

from collections import OrderedDict
from collections.abc import Callable

from sanic import Request
from sanic.response import HTTPResponse

from api.application.public import PublicBatch
from api.presentation.cacheable import answer, cache_headers, holds, strong_etag
from api.presentation.context import services

# Bytes of answers kept per worker (a 10-event lot's view is about 5 KB); a larger answer than
# a sixteenth of it is made each time rather than crowd out the others.
KEEP_BYTES = 8 * 1024 * 1024

Key = tuple[str, str, str, str]


class Made:
    """The answers last made, least recently used first, up to `budget` bytes."""

    def __init__(self, budget: int = KEEP_BYTES) -> None:
        self.budget = budget
        self.size = 0
        self._bodies: OrderedDict[Key, bytes] = OrderedDict()

    def get(self, key: Key) -> bytes | None:
        body = self._bodies.get(key)
        if body is not None:
            self._bodies.move_to_end(key)
        return body

    def put(self, key: Key, body: bytes) -> None:
        if len(body) > self.budget // 16 or key in self._bodies:
            return
        self._bodies[key] = body
        self.size += len(body)
        while self.size > self.budget:
            _, dropped = self._bodies.popitem(last=False)
            self.size -= len(dropped)

    def __len__(self) -> int:
        return len(self._bodies)


MADE = Made()


async def versioned(
    request: Request,
    code: str,
    kind: str,
    content_type: str,
    render: Callable[[PublicBatch], bytes],
) -> HTTPResponse:
    """The answer of kind `kind` for the public batch `code` (NotFound as the public view),
    revalidated on every use."""
    public = services(request).public
    # The base URL is in the body (verify_url): another deployment's copy is another answer.
    base = request.app.ctx.settings.public_base_url
    version = await public.version(code)
    etag = strong_etag(kind, base, version)
    if holds(request, etag):
        return HTTPResponse(status=304, headers=cache_headers(etag, None))
    body = MADE.get((kind, base, code, version))
    if body is None:
        found = await public.by_code(code)
        body = render(found)
        if found.version is not None:
            # Named by the version it was read at, which a change may have moved on from.
            version = found.version
            etag = strong_etag(kind, base, version)
            MADE.put((kind, base, code, version), body)
        else:
            etag = strong_etag(body)
    return answer(request, body, content_type, etag, None)
