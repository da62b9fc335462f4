"""The embedded broker when Mosquitto is installed: a Mosquitto process hearth starts,
watches and stops.

It is configured exactly as ``hearth broker mosquitto`` configures an external one
(``hub.mosquitto``): the devices' listener on ``embedded_mqtt_host:embedded_mqtt_port``,
each device with its own credentials and topics, and a listener for hearth itself on
127.0.0.1 and a free port. The device cloud keeps the password file in step and reloads
the process through its pid file, as it does for any Mosquitto.

What makes it safe to acknowledge a device's report:

- hearth reads device traffic on a persistent session and acknowledges a report only once
  it is written (``TrafficLink(session=...)``); until then Mosquitto holds it, and sends it
  again after either side restarts;
- Mosquitto keeps its sessions and queues on disk (``persistence``), written when it
  stops and every ``AUTOSAVE_SECONDS``;
- the queue Mosquitto holds for hearth is bounded (``QUEUED_MESSAGES``), so a fleet that
  sends faster than hearth writes for minutes on end fills it rather than the memory.

If the process dies, it is started again (with back-off); if hearth dies, the kernel
stops it too (``PR_SET_PDEATHSIG``), so no broker outlives the hearth that started it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import metrics
from hearth.errors import ConfigError
from hearth.hub import protocol
from hearth.hub.acl import SERVICE_USERNAME, service_password
from hearth.hub.mosquitto import MosquittoSync
from hearth.kit.ports import free_port
from hearth.mqtt.address import BrokerAddress
from hearth.mqtt.wire import WireClient

log = structlog.get_logger(__name__)

# hearth's persistent session on the broker: its reports survive either side restarting.
INGEST_SESSION = "hearth-ingest"
AUTOSAVE_SECONDS = 60
# Bounds of the queue the broker keeps for hearth while it catches up: about a minute and a
# half of 10,000 reports/s, some 300 MB at most.
QUEUED_MESSAGES = 1_000_000
QUEUED_BYTES = 300_000_000
SERVICE_PORT_FILE = "service-port"
START_WITHIN = 10.0
STOP_WITHIN = 10.0
_PR_SET_PDEATHSIG = 1


def supervised_directory(data_dir: Path, port: int) -> Path:
    """Where the embedded Mosquitto for devices' ``port`` keeps its files, under hearth's
    data directory: one per port, so hearth processes sharing a data directory, each with
    a broker of its own, never touch each other's."""
    return data_dir / "mosquitto" / str(port)


def service_address(port: int, secret: str) -> BrokerAddress:
    """hearth's own listener on the Mosquitto it runs, with the service account."""
    return BrokerAddress(
        host="127.0.0.1", port=port, username=SERVICE_USERNAME, password=service_password(secret)
    )


def kept_service_port(directory: Path) -> int | None:
    """The port of hearth's own listener on the Mosquitto run from ``directory`` (for the
    command line beside a running hearth), if it ever ran."""
    try:
        return int((directory / SERVICE_PORT_FILE).read_text().strip())
    except (OSError, ValueError):
        return None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, before exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class SupervisedMosquitto:
    """A Mosquitto process serving hearth's devices, kept running while hearth runs."""

    program: str
    directory: Path
    sessions: async_sessionmaker[AsyncSession]
    secret: str
    host: str = "127.0.0.1"
    port: int = 1883
    service_port: int = 0  # 0: the one used last time, if still free, else a free one
    process: asyncio.subprocess.Process | None = field(default=None, init=False)
    restarts: int = field(default=0, init=False)
    _watch: asyncio.Task[None] | None = field(default=None, init=False)
    _stopping: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        if not self.service_port:
            self.service_port = self._kept_service_port()

    def _kept_service_port(self) -> int:
        """Keep hearth's listener on one port from start to start: Mosquitto ties a kept
        session to its listener's port, and hearth's session holds what it has not read."""
        port = kept_service_port(self.directory)
        if port is not None and port != self.port:
            with contextlib.suppress(OSError), socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(("127.0.0.1", port))
                return port
        port = free_port(other_than={self.port})
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / SERVICE_PORT_FILE).write_text(f"{port}\n")
        return port

    @property
    def device_listener(self) -> str:
        return f"{self.port} {self.host}"

    @property
    def service_listener(self) -> str:
        return f"{self.service_port} 127.0.0.1"

    @property
    def files(self) -> Path:
        """Where the password and ACL files live (kept current by the device cloud)."""
        return self.directory / "hearth"

    @property
    def pid_file(self) -> Path:
        return self.directory / "mosquitto.pid"

    def address(self) -> BrokerAddress:
        """Where hearth's own clients connect: the service listener."""
        return service_address(self.service_port, self.secret)

    async def start(self) -> None:
        """Write the configuration and the current device passwords, start the process and
        wait until it listens; raise ``ConfigError`` saying why if it cannot."""
        self._stopping = False
        config = await self._configure(self.device_listener)
        await self._outlived(config)
        if not (self.directory / "mosquitto.db").exists():
            await self._first_start()
            config = await self._configure(self.device_listener)
        await self._spawn(config)
        self._watch = asyncio.create_task(self._supervise(config), name="mosquitto-watch")

    async def _configure(self, device_listener: str) -> Path:
        """Write Mosquitto's files for ``device_listener``; return its configuration."""
        sync = MosquittoSync(
            self.sessions,
            directory=self.files,
            service_username=SERVICE_USERNAME,
            service_password=service_password(self.secret),
            service_listener=self.service_listener,
            device_listener=device_listener,
        )
        included = sync.write_static()
        await sync.sync(force=True, reload=False)
        config = self.directory / "mosquitto.conf"
        config.write_text(
            "# Written by hearth at every start; do not edit.\n"
            "persistence true\n"
            f"persistence_location {self.directory.resolve()}/\n"
            f"autosave_interval {AUTOSAVE_SECONDS}\n"
            f"log_dest file {(self.directory / 'mosquitto.log').resolve()}\n"
            # Started as root, Mosquitto would switch to its own user and lose hearth's files.
            + ("user root\n" if os.geteuid() == 0 else "")
            # hearth holds back its acknowledgements until reports are written: let the
            # broker send it more than the default 20 meanwhile.
            + "max_inflight_messages 0\n"
            f"max_queued_messages {QUEUED_MESSAGES}\n"
            f"max_queued_bytes {QUEUED_BYTES}\n" + included.read_text()
        )
        return config

    async def _first_start(self) -> None:
        """Before the broker first serves devices, give hearth its session: from then on
        the broker keeps every report for hearth, even one sent before hearth reads.

        The broker runs once with the devices' listener on a port no device knows, the
        session is made and subscribed, and the broker stops, writing it to disk."""
        hidden = free_port(other_than={self.port, self.service_port})
        await self._spawn(await self._configure(f"{hidden} 127.0.0.1"), hidden)
        address = self.address()
        client = await WireClient.connect(
            address.host,
            address.port,
            client_id=INGEST_SESSION,
            username=address.username,
            password=address.password,
            clean=False,
            defer_acks=True,
        )
        try:
            await client.subscribe(protocol.UP_FILTER, qos=1)
        finally:
            await client.disconnect()
        await self._terminate()

    async def _spawn(self, config: Path, device_port: int | None = None) -> None:
        errors = self.directory / "stderr.log"
        err_file = errors.open("wb")  # a small local file: opening it does not block
        try:
            self.process = await asyncio.create_subprocess_exec(
                self.program,
                "-c",
                str(config),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err_file,
                # Its own process group: a Ctrl-C at hearth's terminal is hearth's to handle
                # (it stops the broker last); the broker goes when hearth goes.
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        finally:
            err_file.close()
        self.pid_file.write_text(f"{self.process.pid}\n")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_WITHIN
        while loop.time() < deadline:
            if self.process.returncode is not None:
                break
            if await _listening(self.service_port) and await _listening(
                device_port or self.port, self.host
            ):
                log.info("mosquitto_started", pid=self.process.pid, port=device_port or self.port)
                return
            await asyncio.sleep(0.05)
        await self._terminate()
        said = errors.read_text(errors="replace") + _tail(self.directory / "mosquitto.log")
        raise ConfigError(
            f"the embedded Mosquitto broker did not start on {self.host}:{self.port}: "
            f"{said.strip() or 'no reason given'}; set HEARTH_EMBEDDED_MQTT_PORT, "
            "HEARTH_MQTT_URL, or HEARTH_EMBEDDED_BROKER=amqtt"
        )

    async def _outlived(self, config: Path) -> None:
        """Wait for (then stop) a broker that a hearth which died left behind: it is told
        to stop as its parent dies, and may still be writing its queues to disk."""
        try:
            pid = int(self.pid_file.read_text().strip())
            command = _command_line(pid)
        except (OSError, ValueError):
            return
        if str(config).encode() not in command:
            return  # the pid is someone else's now
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STOP_WITHIN
        signalled = False
        while _alive(pid):
            if loop.time() > deadline:
                if signalled:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                    return
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGTERM)
                signalled, deadline = True, loop.time() + STOP_WITHIN
            await asyncio.sleep(0.05)

    async def _supervise(self, config: Path) -> None:
        """Start the process again whenever it ends while hearth runs."""
        delay = 0.2
        while not self._stopping:
            process = self.process
            if process is None:
                return
            code = await process.wait()
            if self._stopping:
                return
            metrics.ERRORS.labels(area="mosquitto").inc()
            log.error("mosquitto_exited", code=code, restart_in=delay)
            await asyncio.sleep(delay)
            try:
                await self._spawn(config)
            except ConfigError as err:
                log.error("mosquitto_restart_failed", error=str(err))
                delay = min(delay * 2, 5.0)
                continue
            self.restarts += 1
            delay = 0.2

    async def stop(self) -> None:
        """Stop the process (Mosquitto writes its sessions and queues to disk first)."""
        self._stopping = True
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
            self._watch = None
        await self._terminate()
        self.pid_file.unlink(missing_ok=True)

    async def _terminate(self) -> None:
        process, self.process = self.process, None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), STOP_WITHIN)
        except TimeoutError:
            process.kill()
            await process.wait()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None


async def _listening(port: int, host: str = "127.0.0.1") -> bool:
    target = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104
    try:
        _, writer = await asyncio.open_connection(target, port)
    except OSError:
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


def _command_line(pid: int) -> bytes:
    return Path(f"/proc/{pid}/cmdline").read_bytes()


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
