"""The embedded MQTT broker (amqtt), run in-process when no external broker is configured.

Who may connect and which topics each client may touch is decided by a ``BrokerAccess``
policy; the amqtt plugin below only forwards the broker's questions to it. The same
policy object answers Mosquitto's generated ACL and the EMQX HTTP hook, so the rules are
written once.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from amqtt.broker import Broker
from amqtt.contexts import Action
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin

SERVICE_USERNAME = "hearth-service"


class Access(StrEnum):
    PUBLISH = "publish"
    SUBSCRIBE = "subscribe"
    RECEIVE = "receive"


class BrokerAccess(Protocol):
    """Decides who may connect to the broker and what each client may do."""

    async def authenticate(self, *, client_id: str, username: str | None, password: str) -> bool:
        """Tell whether these credentials may connect."""
        ...

    def allows(self, *, username: str | None, topic: str, access: Access) -> bool:
        """Tell whether ``username`` may publish to, subscribe to or receive ``topic``."""
        ...


def service_password(secret: str) -> str:
    """Derive the broker password of hearth's own processes from the secret key."""
    return hmac.new(secret.encode(), b"hearth mqtt service", "sha256").hexdigest()


class ServiceAccess:
    """Lets hearth's own processes in, with access to every topic; nobody else."""

    def __init__(self, secret: str) -> None:
        self._password = service_password(secret)

    async def authenticate(self, *, client_id: str, username: str | None, password: str) -> bool:
        return username == SERVICE_USERNAME and hmac.compare_digest(password, self._password)

    def allows(self, *, username: str | None, topic: str, access: Access) -> bool:
        return username == SERVICE_USERNAME


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
        return await access.authenticate(
            client_id=session.client_id or "", username=session.username, password=password
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


@dataclass
class EmbeddedBroker:
    """An amqtt broker bound to ``host:port`` that enforces ``access``."""

    access: BrokerAccess
    host: str = "127.0.0.1"
    port: int = 1883
    _broker: Broker | None = field(default=None, init=False)

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
        self._broker = Broker(config)
        await self._broker.start()

    async def stop(self) -> None:
        """Close every client connection and the listener."""
        if self._broker is not None:
            await self._broker.shutdown()
            self._broker = None

    @property
    def running(self) -> bool:
        return self._broker is not None and self._broker.transitions.state == "started"
