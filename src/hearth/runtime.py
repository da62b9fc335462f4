"""One running hearth process: its database engine, event bus, broker link and clock.

The web app, the CLI and the tests build a ``Hearth`` from settings and start it; every
area reaches shared machinery through it rather than through module globals, so several
independent instances can run side by side in one test process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hearth import db, metrics
from hearth.bus import EventBus
from hearth.config import Settings
from hearth.errors import ConfigError
from hearth.hub.access import DeviceAccess
from hearth.hub.broker import SERVICE_USERNAME, EmbeddedBroker, service_password
from hearth.hub.cloud import DeviceCloud
from hearth.kit.clock import Clock, SystemClock
from hearth.mqtt.address import BrokerAddress
from hearth.mqtt.link import MqttLink
from hearth.relay import EventRelay

if TYPE_CHECKING:
    from hearth.scenes.runner import SceneRunner

log = structlog.get_logger(__name__)


@dataclass
class Hearth:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    bus: EventBus = field(default_factory=EventBus)
    clock: Clock = field(default_factory=SystemClock)
    broker: EmbeddedBroker | None = None
    mqtt: MqttLink | None = None
    relay: EventRelay | None = None
    cloud: DeviceCloud | None = None
    scenes: SceneRunner | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Hearth:
        """Build (but do not start) a hearth for ``settings``."""
        engine = db.create_engine(
            settings.resolved_database_url, pool_size=settings.database_pool_size
        )
        return cls(settings=settings, engine=engine, sessions=db.session_factory(engine))

    def broker_address(self) -> BrokerAddress:
        """Return where hearth's own MQTT client connects."""
        if self.settings.mqtt_url:
            return BrokerAddress.from_url(self.settings.mqtt_url)
        return BrokerAddress(
            host=self.settings.embedded_mqtt_host,
            port=self.settings.embedded_mqtt_port,
            username=SERVICE_USERNAME,
            password=service_password(self.settings.secret),
            mqtt5=False,  # amqtt speaks MQTT 3.1.1 only
        )

    async def start(self, *, mqtt: bool = True) -> None:
        """Check the schema, then start the embedded broker (if any) and the broker link."""
        await db.check_schema(self.engine)
        if not mqtt:
            return
        if self.settings.uses_embedded_broker:
            self.broker = EmbeddedBroker(
                access=DeviceAccess(self.settings.secret, self.sessions),
                host=self.settings.embedded_mqtt_host,
                port=self.settings.embedded_mqtt_port,
            )
            try:
                await self.broker.start()
            except OSError as err:
                self.broker = None
                raise ConfigError(
                    f"cannot start the embedded MQTT broker on "
                    f"{self.settings.embedded_mqtt_host}:{self.settings.embedded_mqtt_port}: "
                    f"{err.strerror or err}; set HEARTH_EMBEDDED_MQTT_PORT or HEARTH_MQTT_URL"
                ) from err
        self.mqtt = MqttLink(self.broker_address())
        self.relay = EventRelay(self.bus, self.mqtt)
        await self.relay.start()
        self.cloud = DeviceCloud(self)
        await self.cloud.start()
        from hearth.scenes.runner import SceneRunner  # scenes build on the device cloud

        self.scenes = SceneRunner(self)
        await self.scenes.start()
        await self.mqtt.start()
        if not await self.mqtt.wait_connected(5.0):
            log.warning("mqtt_not_connected_yet", error=self.mqtt.last_error)
        elif not await self.cloud.wait_ready(5.0):
            log.warning("device_traffic_not_connected_yet")

    async def publish(self, *events: object) -> None:
        """Publish events (after commit) to this process and, when shared, to all others."""
        if self.relay is not None:
            await self.relay.publish(*events)
        else:
            await self.bus.publish(*events)

    async def stop(self) -> None:
        """Stop everything this hearth started, newest first; always close the database."""
        self.relay = None
        try:
            if self.scenes is not None:
                await self.scenes.stop()
                self.scenes = None
            if self.cloud is not None:
                await self.cloud.stop()
                self.cloud = None
            if self.mqtt is not None:
                await self.mqtt.stop()
                self.mqtt = None
            if self.broker is not None:
                await self.broker.stop()
                self.broker = None
        finally:
            metrics.BROKER_UP.set(0)
            await self.engine.dispose()

    async def health(self) -> dict[str, object]:
        """Report whether the database and the broker answer."""
        report: dict[str, object] = {}
        try:
            await db.ping(self.engine)
            report["database"] = {"ok": True, "dialect": self.engine.dialect.name}
        except Exception as err:  # a health check reports, it never raises
            report["database"] = {"ok": False, "error": str(err)}
        if self.mqtt is None:
            report["broker"] = {"ok": False, "error": "not started"}
        else:
            ok = self.mqtt.connected
            metrics.BROKER_UP.set(1 if ok else 0)
            broker: dict[str, object] = {
                "ok": ok,
                "kind": "embedded" if self.broker else "external",
                "address": self.mqtt.address.describe(),
            }
            if not ok:
                broker["error"] = self.mqtt.last_error or "connecting"
            report["broker"] = broker
        report["ok"] = all(isinstance(part, dict) and part.get("ok") for part in report.values())
        return report
