"""Sends one webhook: resolves its host, refuses private, loopback and link-local addresses
(unless a setting allows them), connects to the very address it checked (a second lookup could
answer otherwise), follows no redirect, and bounds the whole exchange by one short timeout."""

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

import httpx

from api.application.ports import SendOutcome
from api.domain.webhooks import address_refused, url_problem

DEFAULT_PORTS = {"http": 80, "https": 443}
# A partner's URL may carry a token in its query: httpx's line per request would log it.
logging.getLogger("httpx").setLevel(logging.WARNING)

Resolver = Callable[[str, int], Awaitable[list[str]]]


async def resolve(host: str, port: int) -> list[str]:
    found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in found]


class HttpSender:
    def __init__(
        self,
        timeout_seconds: float,
        allow_private: bool,
        connections: int = 100,
        resolver: Resolver = resolve,
    ):
        self._timeout = timeout_seconds
        self._allow_private = allow_private
        self._resolve = resolver
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_seconds),
            follow_redirects=False,
            # No proxy from the environment: the addresses checked are the ones connected to.
            trust_env=False,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=20),
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def send(self, url: str, headers: dict[str, str], body: bytes) -> SendOutcome:
        if problem := url_problem(url, self._allow_private):
            return SendOutcome(False, error=f"refused: {problem}")
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or DEFAULT_PORTS[parts.scheme]
        try:
            async with asyncio.timeout(self._timeout):
                address = await self._address(host, port)
                if isinstance(address, SendOutcome):
                    return address
                netloc = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
                target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
                extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
                request = self._client.build_request(
                    "POST",
                    target,
                    content=body,
                    headers={**headers, "host": parts.netloc.rsplit("@", 1)[-1]},
                    extensions=extensions,
                )
                # The body of the answer is not read: only its status matters.
                response = await self._client.send(request, stream=True)
                await response.aclose()
        except TimeoutError:
            return SendOutcome(False, error="timed out")
        except httpx.TimeoutException:
            return SendOutcome(False, error="timed out")
        except httpx.HTTPError as exc:
            return SendOutcome(False, error=f"connection failed ({type(exc).__name__})")
        status = response.status_code
        if 200 <= status < 300:
            return SendOutcome(True, status)
        if 300 <= status < 400:
            return SendOutcome(False, status, "answered a redirect, which is not followed")
        return SendOutcome(False, status, f"answered {status}")

    async def _address(self, host: str, port: int) -> str | SendOutcome:
        """The first address the host resolves to, when every one of them is allowed."""
        try:
            addresses = await self._resolve(host, port)
        except OSError:
            return SendOutcome(False, error="the host name does not resolve")
        if not addresses:
            return SendOutcome(False, error="the host name does not resolve")
        if not self._allow_private:
            for address in addresses:
                if why := address_refused(address.split("%", 1)[0]):
                    return SendOutcome(False, error=f"refused: the host resolves to {why}")
        return addresses[0]
