"""The client's address: the socket's peer, or what a trusted proxy says it is."""

from functools import cache
from ipaddress import IPv4Network, IPv6Network, ip_address

from sanic import Request

Networks = tuple[IPv4Network | IPv6Network, ...]


@cache
def _trusted(peer: str, networks: Networks) -> bool:
    try:
        address = ip_address(peer)
    except ValueError:
        return False
    return any(address in network for network in networks)


def client_ip(request: Request) -> str:
    """Forwarding headers count only when the peer is one of the trusted proxies, so that a
    client reaching the API port directly cannot name its own address."""
    peer = request.ip
    forwarded = request.remote_addr
    if forwarded and _trusted(peer, request.app.ctx.settings.trusted_proxies):
        return forwarded
    return peer or "unknown"
