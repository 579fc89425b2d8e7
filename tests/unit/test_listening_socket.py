"""The server's socket refuses connections until a worker serves on it: a proxy then sends
them to another upstream at once instead of queueing them behind a server still starting."""

import asyncio
import socket

import pytest

from api.cli import BACKLOG, bind_unlistened


def connect(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


async def test_connections_are_refused_until_a_worker_serves_then_accepted() -> None:
    sock = bind_unlistened("127.0.0.1", 0)
    port = sock.getsockname()[1]
    try:
        with pytest.raises(ConnectionRefusedError):
            await asyncio.to_thread(connect, port)
        # What each worker does once it is ready (Sanic's create_server with the shared socket).
        server = await asyncio.get_running_loop().create_server(
            asyncio.Protocol, sock=sock, backlog=BACKLOG
        )
        async with server:
            await asyncio.to_thread(connect, port)
    finally:
        sock.close()


def test_a_port_in_use_is_refused_plainly() -> None:
    taken = bind_unlistened("127.0.0.1", 0)
    taken.listen()
    try:
        with pytest.raises(OSError, match="in use"):
            bind_unlistened("127.0.0.1", taken.getsockname()[1])
    finally:
        taken.close()
