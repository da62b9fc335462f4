"""The wire client: a small MQTT 3.1.1 client for traffic that grows with the fleet.

Two jobs need an MQTT connection that costs almost nothing per message: reading device
traffic into a hearth worker (``hub.traffic``: tens of thousands of reports a second) and
being a device (``hub.simulator``: 10,000 connections in one process; certification's
observer; the benchmarks). A general client costs a thread-pool connect, a background task
and a few hundred microseconds per message, building message, property and matcher objects
for each; this one is an ``asyncio.Protocol`` that speaks just what those jobs need
(CONNECT with credentials and a last will, SUBSCRIBE, PUBLISH at QoS 0/1, PUBACK, PING,
DISCONNECT): a received PUBLISH is one slice and one callback, and the acknowledgements
for everything in one read go out in one write.

Errors leave the client as the error tree's ``BrokerError`` (``WIRE_ERRORS`` says which
lower-level exception becomes which): ``connect``, ``subscribe``, ``publish`` and
``disconnect`` raise them, and so do the acknowledgement futures when the connection
drops. The client does not reconnect by itself; ``hearth.mqtt.reconnect`` does that for
whoever holds one.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from hearth.errors import BrokerError, BrokerRefused, BrokerTimeout, BrokerUnavailable
from hearth.mqtt.errors import ErrorMap

OnMessage = Callable[[str, bytes], None]

CONNECT, CONNACK, PUBLISH, PUBACK = 1, 2, 3, 4
SUBSCRIBE, SUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 12, 13, 14
_REFUSALS = {
    1: "unacceptable protocol version",
    2: "client id rejected",
    3: "server unavailable",
    4: "bad user name or password",
    5: "not authorised",
}


class WireFault(Exception):
    """A failure of the protocol itself; none leaves the client untranslated."""


class Closed(WireFault):
    """The connection closed, or was never open."""


class Refused(WireFault):
    """The broker answered CONNECT with a refusal."""


class Malformed(WireFault):
    """The broker sent bytes that are not an MQTT packet this client can read."""


# What each lower-level exception becomes where it leaves the client; the most specific
# entry wins (TimeoutError is an OSError too).
WIRE_ERRORS = ErrorMap(
    {
        OSError: BrokerUnavailable,  # socket and TLS failures, connection refused or reset
        TimeoutError: BrokerTimeout,  # no TCP connection, CONNACK or SUBACK in time
        Closed: BrokerUnavailable,
        Malformed: BrokerUnavailable,  # the client drops a connection it cannot read
        Refused: BrokerRefused,
    }
)


def _tree(fault: WireFault) -> BrokerError:
    mapped = WIRE_ERRORS.translate(fault)
    assert mapped is not None, f"WIRE_ERRORS has no entry for {type(fault).__name__}"
    return mapped


@dataclass(frozen=True)
class Will:
    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = False


def _string(value: str | bytes) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    return struct.pack("!H", len(raw)) + raw


def _packet(kind: int, flags: int, body: bytes) -> bytes:
    length = len(body)
    header = bytearray([(kind << 4) | flags])
    while True:
        byte, length = length % 128, length // 128
        header.append(byte | (0x80 if length else 0))
        if not length:
            break
    return bytes(header) + body


def connect_packet(
    client_id: str,
    *,
    username: str | None,
    password: str | None,
    keepalive: int,
    will: Will | None,
    clean: bool = True,
) -> bytes:
    flags = 0x02 if clean else 0
    payload = _string(client_id)
    if will is not None:
        flags |= 0x04 | (will.qos << 3) | (0x20 if will.retain else 0)
        payload += _string(will.topic) + _string(will.payload)
    if username is not None:
        flags |= 0x80
        payload += _string(username)
    if password is not None:
        flags |= 0x40
        payload += _string(password)
    header = _string("MQTT") + bytes([4, flags]) + struct.pack("!H", keepalive)
    return _packet(CONNECT, 0, header + payload)


class WireClient(asyncio.Protocol):
    """One MQTT connection; ``on_message(topic, payload)`` receives what it subscribed to."""

    def __init__(self, on_message: OnMessage | None = None, *, defer_acks: bool = False) -> None:
        self.on_message = on_message
        self.defer_acks = defer_acks
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._acks: bytearray | None = None
        # With ``defer_acks``: the PUBACKs not sent yet, in the order their PUBLISHes came,
        # and how many were sent before them.
        self._deferred = bytearray()
        self._released = 0
        self._next_id = 0
        self._waiters: dict[tuple[int, int], asyncio.Future[bytes]] = {}
        self._connack: asyncio.Future[bytes] | None = None
        self._ping: asyncio.Task[None] | None = None
        self._fault: WireFault | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pings_answered = 0

    # -- connection ---------------------------------------------------------------------

    @classmethod
    async def connect(
        cls,
        host: str,
        port: int,
        *,
        client_id: str,
        username: str | None = None,
        password: str | None = None,
        keepalive: int = 60,
        will: Will | None = None,
        on_message: OnMessage | None = None,
        within: float = 10.0,
        tls: bool = False,
        clean: bool = True,
        defer_acks: bool = False,
    ) -> WireClient:
        """Open a connection and wait for the broker to accept it.

        ``clean=False`` resumes the broker's session for ``client_id`` (what it holds for
        this client is sent again); ``defer_acks`` holds back the PUBACK of each message
        received until ``release_acks`` (see there).

        Raise ``BrokerUnavailable`` (unreachable, closed), ``BrokerRefused`` or
        ``BrokerTimeout`` (nothing within ``within`` seconds).
        """
        with WIRE_ERRORS.boundary(f"connecting to {host}:{port}"):
            loop = asyncio.get_running_loop()
            opening = loop.create_connection(
                lambda: cls(on_message, defer_acks=defer_acks),
                host,
                port,
                ssl=ssl.create_default_context() if tls else None,
            )
            try:
                _transport, client = await asyncio.wait_for(opening, within)
            except TimeoutError:
                raise TimeoutError(f"no TCP connection within {within:g} s") from None
            client._connack = loop.create_future()
            try:
                client._send(
                    connect_packet(
                        client_id,
                        username=username,
                        password=password,
                        keepalive=keepalive,
                        will=will,
                        clean=clean,
                    )
                )
                body = await asyncio.wait_for(asyncio.shield(client._connack), within)
            except TimeoutError:
                client.abort()
                raise TimeoutError(f"no CONNACK within {within:g} s") from None
            except BaseException:
                client.abort()
                raise
            code = body[1] if len(body) > 1 else 255
            if code != 0:
                client.abort()
                raise Refused(f"connection refused: {_REFUSALS.get(code, f'code {code}')}")
            if keepalive:
                client._ping = loop.create_task(client._keepalive(keepalive))
            return client

    @property
    def is_open(self) -> bool:
        return not self.closed.done()

    async def wait_closed(self) -> None:
        """Wait until the connection closes; cancelling the wait leaves ``closed`` alone."""
        await asyncio.shield(self.closed)

    async def subscribe(self, topic_filter: str, qos: int = 1, *, within: float = 10.0) -> int:
        """Subscribe; return the granted QoS, or 0x80 if the broker refused."""
        with WIRE_ERRORS.boundary(f"subscribing to {topic_filter}"):
            packet_id = self._packet_id()
            body = struct.pack("!H", packet_id) + _string(topic_filter) + bytes([qos])
            answer = self._expect(SUBACK, packet_id)
            self._send(_packet(SUBSCRIBE, 0x02, body))
            try:
                granted = await asyncio.wait_for(answer, within)
            except TimeoutError:
                raise TimeoutError(f"no SUBACK within {within:g} s") from None
            return granted[2] if len(granted) > 2 else 0x80

    async def publish(
        self, topic: str, payload: bytes, *, qos: int = 0, retain: bool = False
    ) -> None:
        """Publish; at QoS 1, return once the broker acknowledged it."""
        acked = self.publish_nowait(topic, payload, qos=qos, retain=retain)
        if acked is not None:
            await acked  # fails with a BrokerError already if the connection drops

    def publish_nowait(
        self, topic: str, payload: bytes, *, qos: int = 0, retain: bool = False
    ) -> asyncio.Future[bytes] | None:
        """Publish without waiting; at QoS 1 return the future of the broker's PUBACK.

        Raise ``BrokerUnavailable`` if the connection is closed; the future fails with it
        if the connection drops before the PUBACK.
        """
        flags = (qos << 1) | (1 if retain else 0)
        if self._transport is None or self._transport.is_closing():
            raise _tree(Closed(f"publishing to {topic}: not connected"))
        if qos == 0:
            self._transport.write(_packet(PUBLISH, flags, _string(topic) + payload))
            return None
        packet_id = self._packet_id()
        acked = self._expect(PUBACK, packet_id)
        acked.add_done_callback(_consume)
        self._transport.write(
            _packet(PUBLISH, flags, _string(topic) + struct.pack("!H", packet_id) + payload)
        )
        return acked

    async def disconnect(self, *, drain: float = 2.0) -> None:
        """Wait (up to ``drain`` s) for unacknowledged publishes, say goodbye, close.

        No last will is sent after a goodbye.
        """
        pending = [f for (kind, _), f in self._waiters.items() if kind == PUBACK]
        if pending and self.is_open:
            await asyncio.wait(pending, timeout=drain)
        transport = self._transport
        if transport is not None and self.is_open and not transport.is_closing():
            transport.write(_packet(DISCONNECT, 0, b""))
            transport.close()
        await self.closed

    def hold(self, paused: bool) -> None:
        """Pause or resume reading (flow control: the broker keeps what is not read)."""
        if self._transport is not None and not self._transport.is_closing():
            if paused:
                self._transport.pause_reading()
            else:
                self._transport.resume_reading()

    @property
    def messages_read(self) -> int:
        """How many QoS 1 messages this connection has received (acknowledged or not)."""
        return self._released + len(self._deferred) // 4

    def release_acks(self, upto: int) -> None:
        """Acknowledge the QoS 1 messages received so far, up to the ``upto``-th (a
        ``received`` count read earlier): the receiver has made them safe. PUBACKs go out
        in the order the messages came, as MQTT asks; the broker sends again whatever is
        not acknowledged when the connection ends."""
        count = upto - self._released
        if count <= 0:
            return
        size = 4 * count
        acks = bytes(self._deferred[:size])
        del self._deferred[:size]
        self._released = upto
        self._send(acks)

    def abort(self) -> None:
        """Drop the connection without DISCONNECT, as a crash would (the will is sent)."""
        if self._transport is not None:
            self._transport.abort()

    # -- protocol -----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but behave as one.
        self._transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        reason = self._fault or exc
        error = _tree(Closed(f"connection closed: {reason}" if reason else "connection closed"))
        if self._ping is not None:
            self._ping.cancel()
        for future in [self._connack, *self._waiters.values()]:
            if future is not None and not future.done():
                future.set_exception(error)
                future.add_done_callback(_consume)
        self._waiters.clear()
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        # Acknowledgements for everything in this read go out in one write, after it.
        self._acks = bytearray()
        try:
            self._read(data)
        except Malformed as err:
            self._fault = err
            self.abort()
        except (struct.error, UnicodeDecodeError) as err:  # a body shorter than it says
            self._fault = Malformed(f"malformed packet: {err}")
            self.abort()
        finally:
            acks, self._acks = self._acks, None
            if acks and self._transport is not None and not self._transport.is_closing():
                self._transport.write(acks)

    def _read(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        while len(buffer) >= 2:
            length, shift, index = 0, 0, 1
            while True:
                if index >= len(buffer):
                    return
                byte = buffer[index]
                length |= (byte & 0x7F) << shift
                index += 1
                if not byte & 0x80:
                    break
                shift += 7
                if shift > 21:
                    raise Malformed("malformed packet: remaining length over four bytes")
            end = index + length
            if len(buffer) < end:
                return
            first = buffer[0]
            body = bytes(buffer[index:end])
            del buffer[:end]
            self._handle(first >> 4, first & 0x0F, body)

    def _handle(self, kind: int, flags: int, body: bytes) -> None:
        if kind == PUBLISH:
            qos = (flags >> 1) & 0x03
            topic_len = struct.unpack_from("!H", body)[0]
            topic = body[2 : 2 + topic_len].decode()
            start = 2 + topic_len
            if qos:
                packet_id = body[start : start + 2]
                start += 2
                puback = _packet(PUBACK, 0, packet_id)
                if self.defer_acks:
                    self._deferred += puback
                elif self._acks is not None:
                    self._acks += puback
                else:
                    self._send(puback)
            if self.on_message is not None:
                self.on_message(topic, body[start:])
        elif kind == CONNACK:
            if self._connack is not None and not self._connack.done():
                self._connack.set_result(body)
        elif kind in (PUBACK, SUBACK):
            packet_id = struct.unpack_from("!H", body)[0]
            waiter = self._waiters.pop((kind, packet_id), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(body)
        elif kind == PINGRESP:
            self.pings_answered += 1

    # -- helpers ------------------------------------------------------------------------

    def _send(self, data: bytes) -> None:
        if self._transport is None or self._transport.is_closing():
            raise Closed("not connected")
        self._transport.write(data)

    def _packet_id(self) -> int:
        self._next_id = self._next_id % 65535 + 1
        return self._next_id

    def _expect(self, kind: int, packet_id: int) -> asyncio.Future[bytes]:
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._waiters[(kind, packet_id)] = future
        return future

    async def _keepalive(self, seconds: int) -> None:
        with contextlib.suppress(Closed):
            while self.is_open:
                await asyncio.sleep(seconds * 0.75)
                self._send(_packet(PINGREQ, 0, b""))


def _consume(future: asyncio.Future[bytes]) -> None:
    """Retrieve a future's exception so an unawaited failure is not reported as lost."""
    if not future.cancelled():
        future.exception()
