"""A lean HTTP/1.1 keep-alive client for load generation on 127.0.0.1.

General-purpose clients spend more CPU per request than the server under test does, and on
a small machine the load generator, not hearth, becomes what is measured. This one writes
the request bytes and reads the status, headers and a ``Content-Length`` body, nothing more:
one connection per sender, reused for every request it sends.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Connection:
    """One keep-alive connection to ``base`` (``http://127.0.0.1:PORT``)."""

    base: str
    _reader: asyncio.StreamReader | None = field(default=None, repr=False)
    _writer: asyncio.StreamWriter | None = field(default=None, repr=False)

    async def request(
        self, method: str, path: str, *, headers: dict[str, str], body: Any = None
    ) -> tuple[int, Any]:
        """Send one request; return the status and the JSON body (or None)."""
        if self._writer is None:
            parts = urlsplit(self.base)
            assert parts.hostname == "127.0.0.1", "load goes to 127.0.0.1 only"
            self._reader, self._writer = await asyncio.open_connection(parts.hostname, parts.port)
        assert self._reader is not None
        payload = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: {urlsplit(self.base).netloc}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        self._writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        status_line = await self._reader.readuntil(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length, close = 0, False
        while True:
            line = await self._reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        data = await self._reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, json.loads(data) if data else None

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except ConnectionError:
                pass
        self._reader = self._writer = None
