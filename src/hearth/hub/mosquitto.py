"""Mosquitto enforcement: hearth writes its password and ACL files and reloads it.

One hearth process owns the broker's configuration (``hearth broker mosquitto``, or
``hearth serve`` with ``mosquitto_dir`` set). It writes the files, then watches the
``devices`` table: whenever a device is minted, rotated or revoked it rewrites the
password file and sends Mosquitto ``SIGHUP``; Mosquitto re-reads it and drops connected
clients whose credentials no longer work. Files are replaced atomically, so Mosquitto
never reads half a file. For fleets beyond what a password file holds comfortably, use
EMQX with hearth's HTTP hooks (``docs/device-protocol.md``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import metrics
from hearth.hub import acl
from hearth.hub.credentials import hash_secret
from hearth.hub.models import Device
from hearth.hub.status import DeviceStatus

log = structlog.get_logger(__name__)


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(temporary, path)


@dataclass
class MosquittoSync:
    """Keeps Mosquitto's files in step with the devices table and reloads the broker."""

    sessions: async_sessionmaker[AsyncSession]
    directory: Path
    service_username: str
    service_password: str
    service_listener: str
    device_listener: str = "1883"
    pid_file: Path | None = None
    pid: int | None = None
    interval: float = 5.0
    _written: str | None = field(default=None, init=False)
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _service_hash: str = field(default="", init=False)

    def write_static(self) -> Path:
        """Write the configuration include and the service account's files; return the
        include to add to ``mosquitto.conf`` (``include_dir`` or appended)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if not self._service_hash:
            self._service_hash = hash_secret(self.service_password)
        _write(
            self.directory / "service.passwd",
            acl.mosquitto_passwords([(self.service_username, self._service_hash)]),
        )
        _write(self.directory / "service.acl", acl.mosquitto_service_acl(self.service_username))
        _write(self.directory / "devices.acl", acl.mosquitto_device_acl())
        config = self.directory / "hearth.conf"
        _write(
            config,
            acl.mosquitto_config(
                str(self.directory.resolve()),
                service_listener=self.service_listener,
                device_listener=self.device_listener,
            ),
        )
        if not (self.directory / "devices.passwd").exists():
            _write(self.directory / "devices.passwd", "")
        return config

    async def sync(self, *, force: bool = False, reload: bool = True) -> bool:
        """Rewrite the device password file if credentials changed; tell whether it did.
        ``reload=False`` only writes it (before the broker starts).

        It compares the whole file rather than a change timestamp: a rotation committed
        late with an earlier timestamp would slip past a timestamp check.
        """
        async with self.sessions() as session:
            rows = await session.execute(
                select(Device.id, Device.secret_hash)
                .where(Device.status == DeviceStatus.ACTIVE.value)
                .order_by(Device.id)
            )
            text = acl.mosquitto_passwords((row[0], row[1]) for row in rows)
        if not force and text == self._written:
            return False
        _write(self.directory / "devices.passwd", text)
        self._written = text
        if reload:
            self.reload()
        log.info("mosquitto_files_written", devices=text.count("\n"), directory=str(self.directory))
        return True

    def reload(self) -> bool:
        """Send Mosquitto SIGHUP so it re-reads the files; tell whether it was sent."""
        pid = self.pid
        if pid is None and self.pid_file is not None:
            with contextlib.suppress(OSError, ValueError):
                pid = int(self.pid_file.read_text().strip())
        if pid is None:
            log.warning("mosquitto_not_reloaded", reason="no broker pid known")
            return False
        try:
            os.kill(pid, signal.SIGHUP)
        except OSError as err:
            metrics.ERRORS.labels(area="mosquitto").inc()
            log.warning("mosquitto_not_reloaded", pid=pid, error=str(err))
            return False
        return True

    def wake(self) -> None:
        """Check for changes now (a device was just revoked) rather than at the next tick."""
        self._wake.set()

    async def run(self) -> None:
        """Write everything, then keep the password file in step until cancelled."""
        self.write_static()
        while True:
            try:
                await self.sync()
            except Exception:
                metrics.ERRORS.labels(area="mosquitto").inc()
                log.exception("mosquitto_sync_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()
