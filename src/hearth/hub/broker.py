"""The embedded MQTT broker (amqtt), run in-process when no external broker is configured.

Who may connect and which topics each client may touch is decided by a ``BrokerAccess``
policy; the amqtt plugin below only forwards the broker's questions to it. The same
policy object answers Mosquitto's generated ACL and the EMQX HTTP hook, so the rules are
written once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from amqtt.broker import Broker
from amqtt.contexts import Action
from amqtt.errors import AMQTTError, MQTTError, NoDataError
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin
from amqtt.utils import gen_client_id

from hearth.hub.acl import Access, BrokerAccess

_ACTIONS = {
    Action.PUBLISH: Access.PUBLISH,
    Action.SUBSCRIBE: Access.SUBSCRIBE,
    Action.RECEIVE: Access.RECEIVE,
}


class HearthAuthPlugin(BaseAuthPlugin):  # type: ignore[misc]
    """amqtt authentication plugin that asks hearth's ``BrokerAccess`` policy."""

    @dataclass
    class Config:
        access: Any = None

    async def authenticate(self, *, session: Any) -> bool | None:
        access: BrokerAccess = self.config.access
        password = session.password or ""
        if isinstance(password, bytes | bytearray):
            password = password.decode("utf-8", "replace")
        if not await access.authenticate(
            client_id=session.client_id or "", username=session.username, password=password
        ):
            return False
        # A last will is a publish made on the client's behalf later: check it now.
        will_topic = session.will_topic if session.will_flag else None
        return will_topic is None or access.allows(
            username=session.username, topic=will_topic, access=Access.PUBLISH
        )


class HearthTopicPlugin(BaseTopicPlugin):  # type: ignore[misc]
    """amqtt topic plugin that asks hearth's ``BrokerAccess`` policy."""

    @dataclass
    class Config:
        access: Any = None

    async def topic_filtering(
        self, *, session: Any = None, topic: str | None = None, action: Action | None = None
    ) -> bool | None:
        if topic is None or action is None or session is None:
            return False
        access: BrokerAccess = self.config.access
        return access.allows(username=session.username, topic=topic, access=_ACTIONS[action])


class _Snapshots(dict[str, Any]):
    """A dict iterated over a copy, so loops that await survive concurrent changes."""

    def items(self) -> list[tuple[str, Any]]:  # type: ignore[override]
        return list(super().items())

    def __iter__(self) -> Iterator[str]:
        return iter(list(super().keys()))


class GuardedBroker(Broker):  # type: ignore[misc]
    """amqtt's broker, checking credentials before a CONNECT may touch an existing session.

    Stock amqtt resets a clean session's subscriptions and takes over a connected client
    with the same client id *before* it asks the auth plugins, so anyone who knew a
    device id could knock that device offline without any secret. This broker asks the
    plugins first and refuses the connection untouched; the rest follows amqtt.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._streams: set[asyncio.StreamWriter] = set()
        # amqtt delivers a message by iterating its subscriptions while it awaits each
        # permission check; a client subscribing meanwhile broke the loop and the message
        # was lost ("dictionary changed size"). Iterate a snapshot instead.
        self._subscriptions: dict[str, Any] = _Snapshots(self.__dict__["_subscriptions"])

    async def stream_connected(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, listener_name: str
    ) -> None:
        # amqtt can leave a connection's socket open when a client leaves just as the
        # broker stops; keep track of every one and close what is left.
        self._streams.add(writer)
        try:
            await super().stream_connected(reader, writer, listener_name)
        finally:
            self._streams.discard(writer)
            if not writer.is_closing():
                writer.close()

    def close_streams(self) -> None:
        """Close every client socket still open (after ``shutdown``)."""
        for writer in list(self._streams):
            if not writer.is_closing():
                writer.close()

    async def _initialize_client_session(
        self, reader: Any, writer: Any, remote_address: str, remote_port: int
    ) -> tuple[Any, Any]:
        try:
            handler, session = await BrokerProtocolHandler.init_from_connect(
                reader, writer, self.plugins_manager
            )
        except (AMQTTError, NoDataError, MQTTError) as exc:
            # amqtt leaves the socket open here (a client that connected and said
            # nothing, or garbage): close it.
            await writer.close()
            raise AMQTTError(exc) from exc
        if not await self._authenticate(session, None):
            handler.attach(session, reader, writer)
            session.parent = 0
            await handler.mqtt_connack_authorize(False)
            await writer.close()
            raise MQTTError(f"client {session.client_id!r} not authorised")
        if session.clean_session:
            if session.client_id:
                await self._delete_session(session.client_id)
            else:
                session.client_id = gen_client_id()
            session.parent = 0
        elif session.client_id in self._sessions:
            existing, _ = self._sessions[session.client_id]
            for name in (
                "will_flag",
                "will_message",
                "will_topic",
                "will_qos",
                "will_retain",
                "keep_alive",
                "username",
                "password",
            ):
                setattr(existing, name, getattr(session, name))
            session = existing
            session.parent = 1
        else:
            session.parent = 0
        delay = self.config.get("timeout-disconnect-delay", 0)
        if session.keep_alive > 0 and isinstance(delay, int):
            session.keep_alive += delay
        return handler, session


@dataclass
class EmbeddedBroker:
    """An amqtt broker bound to ``host:port`` that enforces ``access``."""

    access: BrokerAccess
    host: str = "127.0.0.1"
    port: int = 1883
    _broker: GuardedBroker | None = field(default=None, init=False)

    async def start(self) -> None:
        """Open the listener; raises ``OSError`` if the port is taken."""
        # amqtt logs every packet at INFO; hearth reports the broker through its own metrics.
        logging.getLogger("amqtt").setLevel(logging.WARNING)
        logging.getLogger("transitions").setLevel(logging.WARNING)
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {
                f"{__name__}.HearthAuthPlugin": {"access": self.access},
                f"{__name__}.HearthTopicPlugin": {"access": self.access},
            },
        }
        self._broker = GuardedBroker(config)
        await self._broker.start()

    async def stop(self) -> None:
        """Close every client connection and the listener."""
        if self._broker is not None:
            await self._broker.shutdown()
            self._broker.close_streams()
            self._broker = None

    async def disconnect(self, client_id: str) -> bool:
        """Drop a connected client (a revoked device); tell whether it was connected."""
        if self._broker is None:
            return False
        entry = self._broker.sessions.get(client_id)
        if entry is None or entry[0].transitions.state != "connected":
            return False
        await entry[1].handle_connection_closed()
        return True

    @property
    def running(self) -> bool:
        return self._broker is not None and self._broker.transitions.state == "started"
