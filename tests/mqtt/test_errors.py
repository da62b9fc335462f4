"""Every lower-level exception of hearth's MQTT clients leaves them as a ``BrokerError``.

The tables are held complete here (httpx's ``test_exceptions.py`` is the model): each
exception the wire client defines, each that aiomqtt defines, and the standard library's
socket, TLS and timeout errors have an entry. Fake brokers on a local socket then make
each failure happen for real and check what comes out.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import aiomqtt.exceptions
import pytest

from hearth import errors
from hearth.errors import BrokerError, BrokerRefused, BrokerTimeout, BrokerUnavailable
from hearth.kit.ports import free_port
from hearth.mqtt import wire
from hearth.mqtt.errors import ErrorMap
from hearth.mqtt.link import LINK_ERRORS
from hearth.mqtt.wire import WIRE_ERRORS, WireClient

STANDARD = {
    OSError: BrokerUnavailable,
    ConnectionRefusedError: BrokerUnavailable,
    ConnectionResetError: BrokerUnavailable,
    BrokenPipeError: BrokerUnavailable,
    ssl.SSLError: BrokerUnavailable,
    socket.gaierror: BrokerUnavailable,
    TimeoutError: BrokerTimeout,
}


def _defined_in(module: object) -> list[type[Exception]]:
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Exception)
        and value.__module__ == getattr(module, "__name__", None)
    ]


def test_every_exception_the_wire_client_defines_has_a_place_in_the_tree() -> None:
    defined = _defined_in(wire)
    assert {cls.__name__ for cls in defined} >= {"WireFault", "Closed", "Refused", "Malformed"}
    for cls in defined:
        if cls is wire.WireFault:
            continue  # the base is never raised, only its kinds
        mapped = WIRE_ERRORS.find(cls)
        assert mapped is not None, f"{cls.__name__} would leave the wire client untranslated"
        assert issubclass(mapped, BrokerError)


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (wire.Closed("connection closed"), BrokerUnavailable),
        (wire.Malformed("malformed packet"), BrokerUnavailable),
        (wire.Refused("connection refused: not authorised"), BrokerRefused),
        *[(cls("low-level"), target) for cls, target in STANDARD.items()],
    ],
)
def test_the_wire_client_translates_each_failure_to_its_own_kind(
    raised: Exception, expected: type[BrokerError]
) -> None:
    translated = WIRE_ERRORS.translate(raised, "connecting to h:1")
    assert type(translated) is expected
    assert str(translated).startswith("connecting to h:1: ")


def test_every_exception_aiomqtt_defines_has_a_place_in_the_tree() -> None:
    defined = _defined_in(aiomqtt.exceptions)
    assert aiomqtt.MqttError in defined
    for cls in defined:
        mapped = LINK_ERRORS.find(cls)
        assert mapped is not None, f"{cls.__name__} would leave the MQTT link untranslated"
    assert LINK_ERRORS.find(aiomqtt.exceptions.MqttConnectError) is BrokerRefused
    for cls, target in STANDARD.items():
        assert LINK_ERRORS.find(cls) is target


def test_every_broker_error_has_its_own_code_and_a_server_side_status() -> None:
    kinds = [BrokerError, BrokerUnavailable, BrokerRefused, BrokerTimeout]
    assert len({kind.code for kind in kinds}) == len(kinds)
    assert all(kind.status >= 500 for kind in kinds)
    assert all(issubclass(kind, errors.HearthError) for kind in kinds)


def test_an_exception_no_table_names_is_a_bug_and_passes_through_unchanged() -> None:
    table = ErrorMap({OSError: BrokerUnavailable})
    assert table.translate(KeyError("bug")) is None
    with pytest.raises(KeyError), table.boundary("anywhere"):
        raise KeyError("bug")
    already = BrokerRefused("refused")
    assert table.translate(already) is already


def test_a_translated_error_keeps_the_original_as_its_cause() -> None:
    original = ConnectionResetError("reset by peer")
    with pytest.raises(BrokerUnavailable) as raised, WIRE_ERRORS.boundary("reading"):
        raise original
    assert raised.value.__cause__ is original
    assert raised.value.message == "reading: reset by peer"


# -- the wire client's edges, with brokers that misbehave --------------------------------

Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
CONNACK_OK = bytes([0x20, 2, 0, 0])


@asynccontextmanager
async def fake_broker(serve: Serve) -> AsyncIterator[int]:
    """Run ``serve`` for each connection on a free port; close every connection after."""
    handlers: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.add(asyncio.current_task())  # type: ignore[arg-type]
        try:
            await serve(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port
    finally:
        server.close()
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        await server.wait_closed()


async def _connect(port: int, within: float = 5.0) -> WireClient:
    return await WireClient.connect("127.0.0.1", port, client_id="edge", keepalive=0, within=within)


async def test_nothing_listening_is_an_unavailable_broker() -> None:
    with pytest.raises(BrokerUnavailable, match="connecting to 127.0.0.1") as raised:
        await _connect(free_port())
    assert isinstance(raised.value.__cause__, OSError)


async def test_a_broker_that_never_answers_connect_is_a_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        await reader.read(1024)  # until the client gives up and closes
        writer.close()

    async with fake_broker(silent) as port:
        with pytest.raises(BrokerTimeout, match="no CONNACK within 0.3 s"):
            await _connect(port, within=0.3)


async def test_a_refusing_broker_gives_its_reason() -> None:
    async def refusing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.write(bytes([0x20, 2, 0, 4]))  # bad user name or password
        await writer.drain()
        await reader.read(1024)
        writer.close()

    async with fake_broker(refusing) as port:
        with pytest.raises(BrokerRefused, match="bad user name or password"):
            await _connect(port)


async def test_a_broker_that_hangs_up_during_connect_is_unavailable() -> None:
    async def hanging_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.close()

    async with fake_broker(hanging_up) as port:
        with pytest.raises(BrokerUnavailable, match="connection closed"):
            await _connect(port)


async def test_garbage_from_the_broker_drops_the_connection_and_fails_what_waits() -> None:
    async def garbling(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.write(CONNACK_OK)
        await writer.drain()
        await reader.read(1024)  # the SUBSCRIBE
        writer.write(bytes([0x90, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]))  # a length of five bytes
        await writer.drain()
        await reader.read(1024)
        writer.close()

    async with fake_broker(garbling) as port:
        client = await _connect(port)
        with pytest.raises(BrokerUnavailable, match="malformed packet"):
            await client.subscribe("anything")
        assert not client.is_open


async def test_a_publish_waiting_for_its_puback_fails_when_the_connection_drops() -> None:
    async def dropping(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.write(CONNACK_OK)
        await writer.drain()
        await reader.read(1024)  # the PUBLISH, never acknowledged
        writer.transport.abort()

    async with fake_broker(dropping) as port:
        client = await _connect(port)
        with pytest.raises(BrokerUnavailable, match="connection closed"):
            await client.publish("anything", b"lost", qos=1)


async def test_a_broker_that_never_grants_a_subscription_is_a_timeout() -> None:
    async def deaf(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.write(CONNACK_OK)
        await writer.drain()
        await reader.read(1024)
        await reader.read(1024)
        writer.close()

    async with fake_broker(deaf) as port:
        client = await _connect(port)
        with pytest.raises(BrokerTimeout, match="no SUBACK within 0.2 s"):
            await client.subscribe("anything", within=0.2)
        await client.disconnect()
