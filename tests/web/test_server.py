"""The HTTP server's protocol on a real uvicorn and real sockets: a response's head and
body go out in one write, a stream's parts still go out as they come, and a large body
is not gathered whole."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from hearth.kit.ports import free_port
from hearth.web.server import HttpProtocol, OneWrite
from tests.servers import wait_for_port

SENT: list[bytes] = []
RELEASE = asyncio.Event()


class Recorded:
    """The socket's transport, noting each write that reaches it."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport

    def write(self, data: bytes) -> None:
        SENT.append(data)
        self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class RecordedProtocol(HttpProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(Recorded(transport))  # type: ignore[arg-type]


async def hello(request: Request) -> Response:
    return JSONResponse({"hello": request.path_params["name"]})


async def stream(request: Request) -> Response:
    async def parts() -> AsyncIterator[bytes]:
        yield b"first\n"
        await RELEASE.wait()  # the test sets it only once it has read the first part
        yield b"second\n"

    return StreamingResponse(parts(), media_type="text/plain")


async def large(request: Request) -> Response:
    async def parts() -> AsyncIterator[bytes]:
        for _ in range(12):  # written without waiting in between: one turn of the loop
            yield b"x" * (OneWrite.GATHER // 4)

    return StreamingResponse(parts(), media_type="application/octet-stream")


@pytest.fixture
async def base() -> AsyncIterator[str]:
    routes = [Route("/hello/{name}", hello), Route("/stream", stream), Route("/large", large)]
    app = Starlette(routes=routes)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, http=RecordedProtocol, log_config=None, lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await asyncio.to_thread(wait_for_port, port)
    SENT.clear()
    RELEASE.clear()
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def test_each_response_goes_out_whole_in_one_write(base: str) -> None:
    async with httpx.AsyncClient(base_url=base) as http:  # one kept-alive connection
        answers = [await http.get(f"/hello/{name}") for name in ("mia", "leo", "ada")]
    assert [a.json() for a in answers] == [{"hello": "mia"}, {"hello": "leo"}, {"hello": "ada"}]
    assert len(SENT) == 3
    assert all(w.startswith(b"HTTP/1.1 200 OK\r\n") and w.endswith(b'"}') for w in SENT)


async def test_a_stream_sends_each_part_as_it_comes(base: str) -> None:
    async with (
        httpx.AsyncClient(base_url=base) as http,
        http.stream("GET", "/stream") as answer,
    ):
        lines = answer.aiter_lines()
        first = await asyncio.wait_for(anext(lines), 5)  # before the second part exists
        RELEASE.set()
        second = await asyncio.wait_for(anext(lines), 5)
    assert (first, second) == ("first", "second")


async def test_a_large_body_goes_out_in_parts_as_it_is_written(base: str) -> None:
    async with httpx.AsyncClient(base_url=base) as http:
        answer = await http.get("/large")
    assert answer.content == b"x" * (3 * OneWrite.GATHER)
    assert len(SENT) >= 3  # not gathered into one copy of the whole body
