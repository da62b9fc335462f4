"""The HTTP server hearth runs on: one place, so `hearth serve`, `hearth demo` and the
front-door benchmark's hello world all run on the same stack with the same options.

uvicorn with uvloop and httptools, its HTTP protocol changed in one way: what a response
writes within one turn of the event loop goes out in one system call. uvicorn writes a
response's status line and headers, then its body, and uvloop sends each at once, so
every response cost two ``send`` calls; on a virtual machine a system call is tens of
microseconds, a tenth of a small request's cost."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class OneWrite:
    """A transport that gathers what is written during one turn of the event loop and
    sends it at the end of that turn, in one write. A response's head and body are written
    in the same turn (nothing in between waits); a stream's parts, each in its own turn,
    go out as they come; more than ``GATHER`` bytes go out at once, so the transport's
    flow control still holds back a large body. Everything else is the wrapped
    transport's."""

    GATHER = 64 * 1024
    __slots__ = ("_transport", "_loop", "_pending", "_size")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._size = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))
        self._size += len(data)
        if self._size >= self.GATHER:
            self.flush()

    def writelines(self, lines: Any) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        """Send what was written, if the connection is still open."""
        if not self._pending:
            return
        data = b"".join(self._pending)
        self._pending.clear()
        self._size = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class HttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, writing through ``OneWrite``."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(OneWrite(transport, self.loop))  # type: ignore[arg-type]


def run(target: str, *, host: str, port: int, workers: int) -> None:
    """Serve the ASGI app built by the factory ``target`` (``module:function``) until stopped."""
    import uvicorn

    uvicorn.run(
        target,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=HttpProtocol,
        log_config=None,
        proxy_headers=True,
        access_log=False,
        lifespan="on",
    )
