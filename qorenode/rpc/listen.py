"""Binding TCP listeners for the servers."""

from __future__ import annotations

import trio

__all__ = ["open_listeners"]


async def open_listeners(host: str | None, port: int) -> tuple[list[trio.SocketListener], int]:
    """Bind ``host:port``; the listeners and the bound port (port 0 picks a free one).

    With port 0 a name resolving to several addresses would get a different free port on each;
    only the first address is kept then, so the reported port is the one every listener serves.
    """
    listeners = await trio.open_tcp_listeners(port, host=host)
    if port == 0 and len(listeners) > 1:
        for extra in listeners[1:]:
            await extra.aclose()
        listeners = listeners[:1]
    bound_port: int = listeners[0].socket.getsockname()[1]
    return listeners, bound_port
