"""The wire client against a real Mosquitto: each behaviour hearth relies on, one test each.

The broker asks for a username and password, as hearth's brokers do. Nothing here waits a
fixed time for something to happen: every wait polls for its condition or for a message.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hearth.errors import BrokerError, BrokerRefused, BrokerUnavailable
from hearth.mqtt.reconnect import Backoff, MarkUp, keep_connected
from hearth.mqtt.wire import Will, WireClient
from tests.mqtt.conftest import PASSWORD, USERNAME, security, until
from tests.servers import Mosquitto, start_mosquitto, stop_mosquitto

pytestmark = pytest.mark.mosquitto

Inbox = asyncio.Queue[tuple[str, bytes]]


async def _connect(
    broker: Mosquitto, client_id: str, inbox: Inbox | None = None, **options: object
) -> WireClient:
    return await WireClient.connect(
        "127.0.0.1",
        broker.port,
        client_id=client_id,
        username=USERNAME,
        password=PASSWORD,
        on_message=None if inbox is None else lambda t, p: inbox.put_nowait((t, p)),
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
async def publisher(broker: Mosquitto) -> AsyncIterator[WireClient]:
    client = await _connect(broker, "publisher")
    try:
        yield client
    finally:
        await client.disconnect()


def _drain(inbox: Inbox) -> list[tuple[str, bytes]]:
    return [inbox.get_nowait() for _ in range(inbox.qsize())]


async def test_it_logs_in_with_a_username_and_password(broker: Mosquitto) -> None:
    client = await _connect(broker, "login")
    assert client.is_open
    await client.disconnect()
    assert not client.is_open


@pytest.mark.parametrize(
    ("username", "password"),
    [(USERNAME, "wrong"), ("nobody", PASSWORD), (None, None), (USERNAME, None)],
)
async def test_credentials_the_broker_does_not_know_are_refused(
    broker: Mosquitto, username: str | None, password: str | None
) -> None:
    with pytest.raises(BrokerRefused, match="connection refused: not authorised") as refused:
        await WireClient.connect(
            "127.0.0.1", broker.port, client_id="intruder", username=username, password=password
        )
    assert refused.value.code == "broker_refused"
    assert refused.value.status == 503


async def test_subscriptions_at_qos_0_and_1_are_granted_and_deliver(
    broker: Mosquitto, publisher: WireClient
) -> None:
    inbox: Inbox = asyncio.Queue()
    client = await _connect(broker, "subscriber", inbox)
    try:
        assert await client.subscribe("lamps/+/at-most-once", qos=0) == 0
        assert await client.subscribe("lamps/+/at-least-once", qos=1) == 1
        await publisher.publish("lamps/1/at-most-once", b"zero", qos=1)
        await publisher.publish("lamps/1/at-least-once", b"one", qos=1)
        got = {await asyncio.wait_for(inbox.get(), 5), await asyncio.wait_for(inbox.get(), 5)}
        assert got == {("lamps/1/at-most-once", b"zero"), ("lamps/1/at-least-once", b"one")}
        # A large payload crosses the one-byte and two-byte remaining-length boundaries.
        large = bytes(range(256)) * 600
        await publisher.publish("lamps/1/at-least-once", large, qos=1)
        assert await asyncio.wait_for(inbox.get(), 5) == ("lamps/1/at-least-once", large)
    finally:
        await client.disconnect()


async def test_a_shared_subscription_gives_each_message_to_exactly_one_member(
    broker: Mosquitto, publisher: WireClient
) -> None:
    first: Inbox = asyncio.Queue()
    second: Inbox = asyncio.Queue()
    members = [await _connect(broker, "first", first), await _connect(broker, "second", second)]
    for member in members:
        assert await member.subscribe("$share/workers/reports/+", qos=1) == 1
    try:
        sent = [f"report {n}".encode() for n in range(40)]
        for payload in sent:
            await publisher.publish("reports/dev_1", payload, qos=1)
        await until(lambda: first.qsize() + second.qsize() >= len(sent))
        got = [[payload for _topic, payload in _drain(inbox)] for inbox in (first, second)]
        assert sorted(got[0] + got[1]) == sorted(sent)  # each once, none twice
        assert got[0] and got[1]  # and the broker shared them out
    finally:
        for member in members:
            await member.disconnect()


async def test_a_late_subscriber_receives_the_last_retained_message(
    broker: Mosquitto, publisher: WireClient
) -> None:
    await publisher.publish("homes/1/mode", b"away", qos=1, retain=True)
    await publisher.publish("homes/1/mode", b"home", qos=1, retain=True)
    inbox: Inbox = asyncio.Queue()
    late = await _connect(broker, "late", inbox)
    try:
        await late.subscribe("homes/+/mode", qos=1)
        assert await asyncio.wait_for(inbox.get(), 5) == ("homes/1/mode", b"home")
    finally:
        await late.disconnect()


async def test_a_qos_1_publish_completes_with_the_brokers_puback_for_its_packet(
    publisher: WireClient,
) -> None:
    assert publisher.publish_nowait("acks/qos0", b"fire and forget", qos=0) is None
    first = publisher.publish_nowait("acks/qos1", b"one", qos=1)
    second = publisher.publish_nowait("acks/qos1", b"two", qos=1)
    assert first is not None and second is not None
    acks = await asyncio.wait_for(asyncio.gather(first, second), 5)
    # A fresh client numbers its packets from 1; each PUBACK names the packet it acknowledges.
    assert [struct.unpack("!H", ack[:2])[0] for ack in acks] == [1, 2]


async def test_keep_alive_pings_hold_an_idle_connection_open(broker: Mosquitto) -> None:
    inbox: Inbox = asyncio.Queue()
    # Mosquitto drops a client silent for 1.5 keep-alive periods: 1.5 s here.
    client = await _connect(broker, "idle", inbox, keepalive=1)
    try:
        await until(lambda: client.pings_answered >= 4)  # three seconds and more of silence
        assert client.is_open
        await client.subscribe("idle/echo", qos=1)
        await client.publish("idle/echo", b"still here", qos=1)
        assert await asyncio.wait_for(inbox.get(), 5) == ("idle/echo", b"still here")
    finally:
        await client.disconnect()


async def test_a_clean_disconnect_sends_no_last_will_and_a_dropped_connection_does(
    broker: Mosquitto,
) -> None:
    inbox: Inbox = asyncio.Queue()
    observer = await _connect(broker, "observer", inbox)
    await observer.subscribe("wills/+", qos=1)
    polite = await _connect(broker, "polite", will=Will("wills/polite", b"gone"))
    crashing = await _connect(broker, "crashing", will=Will("wills/crashing", b"gone"))
    try:
        await polite.disconnect()
        log = broker.directory / "mosquitto.log"
        # The broker logs this once it read the DISCONNECT, which discards the will.
        await until(lambda: "Client polite disconnected." in log.read_text())
        crashing.abort()
        # Had the polite client's will been sent, it would have come first.
        assert await asyncio.wait_for(inbox.get(), 5) == ("wills/crashing", b"gone")
    finally:
        await observer.disconnect()


async def test_a_closed_client_refuses_to_publish_and_says_the_broker_is_unavailable(
    broker: Mosquitto,
) -> None:
    client = await _connect(broker, "closing")
    await client.disconnect()
    with pytest.raises(BrokerUnavailable, match="not connected"):
        client.publish_nowait("anything", b"late", qos=1)


async def test_after_the_broker_restarts_the_client_connects_again_and_receives(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "restarting"
    directory.mkdir()
    config = security(directory)
    broker = start_mosquitto(directory, config)
    inbox: Inbox = asyncio.Queue()
    clients: list[WireClient] = []

    async def session(up: MarkUp) -> None:
        client = await WireClient.connect(
            "127.0.0.1",
            broker.port,
            client_id="restarting",
            username=USERNAME,
            password=PASSWORD,
            keepalive=5,
            on_message=lambda t, p: inbox.put_nowait((t, p)),
        )
        await client.subscribe("restart/+", qos=1)
        clients.append(client)
        up()
        await client.wait_closed()

    stop = asyncio.Event()
    link = asyncio.create_task(
        keep_connected(session, name="test", stop=stop, backoff=Backoff(first=0.05, most=0.5))
    )
    try:
        await until(lambda: len(clients) == 1)  # connected and subscribed
        stop_mosquitto(broker)
        await asyncio.wait_for(clients[0].closed, 10)
        with pytest.raises(BrokerError):
            clients[0].publish_nowait("restart/lost", b"nobody hears this", qos=1)
        broker = start_mosquitto(directory, config, port=broker.port)
        await until(lambda: len(clients) == 2 and clients[1].is_open, within=20)
        publisher = await _connect(broker, "after-restart")
        await publisher.publish("restart/after", b"back", qos=1)
        assert await asyncio.wait_for(inbox.get(), 5) == ("restart/after", b"back")
        await publisher.disconnect()
    finally:
        try:
            stop.set()
            await asyncio.wait_for(link, 5)
            for client in clients:
                await client.disconnect(drain=0)
        finally:
            stop_mosquitto(broker)
