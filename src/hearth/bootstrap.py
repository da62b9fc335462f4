"""The one composition root: builds every component of a hearth process, starts and stops them.

The web app, the worker, the CLI and the tests build a ``Hearth`` from settings and start
it. Components receive the narrow things they need (the session factory, the clock, the
bus, a publish function, the broker link, their section of the settings), never the whole
``Hearth``, so nothing below this module imports it and areas do not reach into each other
through it. Every background component has ``start`` and ``stop``; ``Hearth.start`` starts
them in order and ``Hearth.stop`` stops them in reverse, awaiting each.

A process has two roles, both on by default (``hearth serve``): it serves requests, and
it does the background work (device ingest and upkeep, scene timers and triggers, campaign
deadlines, certification recovery, sending mail). ``hearth worker`` runs only the background work;
``hearth serve --no-background`` (``HEARTH_BACKGROUND=false``) only serves, so the two can
be scaled apart. Work that must happen once is claimed in the database, so any number of
processes of either kind can run side by side.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hearth import db, metrics
from hearth.accounts.credentials import Credentials
from hearth.bus import EventBus
from hearth.config import Settings
from hearth.errors import ConfigError
from hearth.funding.flash import PledgeBatcher
from hearth.funding.worker import CampaignDeadlines
from hearth.homes.service import may_use
from hearth.hub.access import DeviceAccess
from hearth.hub.acl import SERVICE_USERNAME, service_password
from hearth.hub.broker import EmbeddedBroker
from hearth.hub.cloud import CloudSettings, DeviceCloud
from hearth.hub.supervised import (
    INGEST_SESSION,
    SupervisedMosquitto,
    supervised_directory,
)
from hearth.insights.activity import Activity
from hearth.insights.worker import InsightsJob
from hearth.kit.clock import Clock, ClockSocket, SystemClock
from hearth.kit.ports import free_port
from hearth.mail.rules import Envelope
from hearth.mail.sender import MailSender
from hearth.mail.transport import Mailer, build_mailer
from hearth.mall.certification import service as certification
from hearth.mqtt.address import BrokerAddress
from hearth.mqtt.link import MqttLink
from hearth.payments.sandbox import build_provider
from hearth.relay import EventRelay
from hearth.sales.worker import ReservationExpiry
from hearth.scenes.runner import SceneRunner

log = structlog.get_logger(__name__)


class Component(Protocol):
    """A long-lived part of a running process."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class CertificationRecovery:
    """Fail, once at start, the certification runs a stopped process left running."""

    sessions: async_sessionmaker[AsyncSession]

    async def start(self) -> None:
        """Settle the interrupted runs."""
        await certification.recover(self.sessions)

    async def stop(self) -> None:
        """Nothing runs after start."""


@dataclass
class Hearth:
    """One running hearth process: its engine, bus, clock and started components."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    bus: EventBus = field(default_factory=EventBus)
    socket: ClockSocket = field(default_factory=lambda: ClockSocket(SystemClock()))
    broker: EmbeddedBroker | None = None
    supervised: SupervisedMosquitto | None = None
    mqtt: MqttLink | None = None
    relay: EventRelay | None = None
    cloud: DeviceCloud | None = None
    scenes: SceneRunner | None = None
    deadlines: CampaignDeadlines | None = None
    mail: MailSender | None = None
    pledges: PledgeBatcher = field(init=False)
    credentials: Credentials = field(init=False)
    activity: Activity = field(init=False)
    started: list[Component] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)  # see ``spawn``

    def __post_init__(self) -> None:
        # Pledges are batched in any process that takes them, with or without a broker.
        self.pledges = PledgeBatcher(
            sessions=self.sessions,
            clock=self.socket,
            publish=self.publish,
            one_writer=self.engine.dialect.name == "sqlite",
        )
        # Every request's credential check, in any process that serves requests.
        self.credentials = Credentials(self.sessions, self.publish)
        self.credentials.watch(self.bus)
        # Who used hearth today, in any process that serves requests.
        self.activity = Activity(self.sessions)

    @property
    def clock(self) -> Clock:
        """The clock this process reads; setting it moves every component at once."""
        return self.socket.source

    @clock.setter
    def clock(self, source: Clock) -> None:
        self.socket.source = source

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
        if self.supervised is not None:
            return self.supervised.address()
        return BrokerAddress(
            host=self.settings.embedded_mqtt_host,
            port=self.settings.embedded_mqtt_port,
            username=SERVICE_USERNAME,
            password=service_password(self.settings.secret),
            mqtt5=False,  # amqtt speaks MQTT 3.1.1 only
        )

    async def start(self, *, mqtt: bool = True) -> None:
        """Check the schema, then build and start every component this process runs.

        ``mqtt=False`` starts the database only (CLI commands and most tests)."""
        await db.check_schema(self.engine)
        if not mqtt:
            return
        try:
            for component in self._assemble():
                await component.start()
                self.started.append(component)
        except BaseException:
            await self.stop()
            raise
        if not await self.mqtt_link.wait_connected(5.0):
            log.warning("mqtt_not_connected_yet", error=self.mqtt_link.last_error)
        elif self.cloud is not None and not await self.cloud.wait_ready(5.0):
            log.warning("device_traffic_not_connected_yet")

    def _assemble(self) -> list[Component]:
        """Build the components in the order they start."""
        settings = self.settings
        background = settings.background
        components: list[Component] = []
        cloud_settings = CloudSettings.of(settings)
        if settings.embedded_mosquitto is not None:
            port = settings.embedded_mqtt_port or free_port(settings.embedded_mqtt_host)
            self.supervised = SupervisedMosquitto(
                program=settings.embedded_mosquitto,
                directory=supervised_directory(settings.data_dir, port),
                sessions=self.sessions,
                secret=settings.secret,
                host=settings.embedded_mqtt_host,
                port=port,
            )
            components.append(self.supervised)
            # From here on it is a Mosquitto like any other, its files kept by the cloud.
            cloud_settings = replace(
                cloud_settings,
                embedded_broker=False,
                mosquitto_dir=self.supervised.files,
                mosquitto_pid_file=self.supervised.pid_file,
                mosquitto_device_listener=self.supervised.device_listener,
                mosquitto_service_listener=self.supervised.service_listener,
                ingest_session=INGEST_SESSION,
            )
        elif settings.uses_embedded_broker:
            self.broker = EmbeddedBroker(
                access=DeviceAccess(settings.secret, self.sessions),
                host=settings.embedded_mqtt_host,
                port=settings.embedded_mqtt_port,
            )
            components.append(_Guarded(self.broker, settings))
        self.mqtt = MqttLink(self.broker_address())
        self.relay = EventRelay(self.bus, self.mqtt)
        self.cloud = DeviceCloud(
            settings=cloud_settings,
            sessions=self.sessions,
            clock=self.socket,
            bus=self.bus,
            publish=self.publish,
            link=self.mqtt,
            may_use=may_use,  # commands go to devices of the caller's homes
            broker=self.broker,
        )
        self.scenes = SceneRunner(
            sessions=self.sessions,
            clock=self.socket,
            bus=self.bus,
            publish=self.publish,
            commands=self.cloud.commands,
            background=background,
        )
        # The relay subscribes before the link connects (the link subscribes on connecting);
        # stopped in reverse, the scenes and the cloud finish before the link goes.
        components += [self.relay, self.mqtt, self.cloud, self.scenes]
        if background:
            self.deadlines = self.campaign_deadlines()
            self.mail = self.mail_sender()
            expiry = ReservationExpiry(
                sessions=self.sessions,
                clock=self.socket,
                publish=self.publish,
                provider=build_provider(self.settings, self.sessions, clock=self.socket),
                commission_bp=self.settings.commission_bp,
            )
            insights = InsightsJob(sessions=self.sessions, clock=self.socket)
            components += [
                self.deadlines,
                expiry,
                CertificationRecovery(self.sessions),
                self.mail,
                insights,
            ]
        return components

    def mail_sender(self, mailer: Mailer | None = None) -> MailSender:
        """Build the sender of queued mail: through ``mailer``, else the one the settings
        name (the mail server, or the data dir's folder)."""
        sender = MailSender(
            sessions=self.sessions,
            clock=self.socket,
            mailer=mailer or build_mailer(self.settings),
            envelope=Envelope(
                sender=self.settings.mail_from, base_url=self.settings.resolved_public_url
            ),
        )
        sender.watch(self.bus)
        return sender

    def campaign_deadlines(self) -> CampaignDeadlines:
        """Build the campaign deadline worker of this process (also run once by the CLI)."""
        return CampaignDeadlines(
            sessions=self.sessions,
            clock=self.socket,
            publish=self.publish,
            provider=build_provider(self.settings, self.sessions, clock=self.socket),
            commission_bp=self.settings.commission_bp,
        )

    @property
    def mqtt_link(self) -> MqttLink:
        """The broker link of a process started with MQTT."""
        if self.mqtt is None:
            raise ConfigError("this hearth was started without a broker link")
        return self.mqtt

    async def publish(self, *events: object) -> None:
        """Publish events (after commit) to this process and, when shared, to all others."""
        if self.relay is not None:
            await self.relay.publish(*events)
        else:
            await self.bus.publish(*events)

    def spawn(self, work: Coroutine[Any, Any, None], *, name: str) -> asyncio.Task[None]:
        """Run ``work`` in this process's background until it ends or the process stops.

        For work a request starts and does not wait for (a certification run); what must
        survive a stop is recorded in the database and taken up again at the next start."""
        task = asyncio.create_task(work, name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def stop(self) -> None:
        """Stop every started component, newest first, awaiting each; cancel spawned work;
        close the database."""
        try:
            # First, while the relay still reaches every process: the pledges under way are
            # answered and the campaigns' last totals go out.
            await self.pledges.stop()
        finally:
            self.relay = None
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        try:
            while self.started:
                component = self.started.pop()
                try:
                    await component.stop()
                except Exception:
                    metrics.ERRORS.labels(area="runtime").inc()
                    log.exception("component_stop_failed", component=type(component).__name__)
        finally:
            self.broker = self.mqtt = self.cloud = self.scenes = self.deadlines = None
            self.mail = None
            self.supervised = None
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
                "kind": "embedded" if self.broker or self.supervised else "external",
                "address": self.mqtt.address.describe(),
            }
            if not ok:
                broker["error"] = self.mqtt.last_error or "connecting"
            report["broker"] = broker
        report["ok"] = all(isinstance(part, dict) and part.get("ok") for part in report.values())
        return report


@dataclass
class _Guarded:
    """The embedded broker, whose failure to listen becomes a ``ConfigError`` that says why."""

    broker: EmbeddedBroker
    settings: Settings

    async def start(self) -> None:
        """Start listening, or say which setting to change."""
        try:
            await self.broker.start()
        except OSError as err:
            host, port = self.settings.embedded_mqtt_host, self.settings.embedded_mqtt_port
            raise ConfigError(
                f"cannot start the embedded MQTT broker on {host}:{port}: "
                f"{err.strerror or err}; set HEARTH_EMBEDDED_MQTT_PORT or HEARTH_MQTT_URL"
            ) from err

    async def stop(self) -> None:
        """Stop the broker."""
        await self.broker.stop()
