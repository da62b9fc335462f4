"""Broker access for devices: the embedded broker asks this who may connect.

``DeviceAccess`` lets hearth's service account in (password derived from the secret
key) and each active device with its own id as username and client id and its secret as
password. Topic rules are ``hub.acl.allows``. Successful look-ups are cached briefly so
10,000 devices reconnecting after a restart do not each cost a query twice; a rotation
or revocation clears the entry in every process (``DeviceCredentialsChanged``) and drops
the device from the embedded broker.
"""

from __future__ import annotations

import hmac
import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import metrics
from hearth.hub import acl
from hearth.hub.acl import SERVICE_USERNAME, Access, ServiceAccess
from hearth.hub.credentials import is_device_id, verify_secret
from hearth.hub.models import Device
from hearth.hub.status import DeviceStatus

CACHE_SECONDS = 30.0


def hook_token(secret: str) -> str:
    """Derive the bearer token EMQX sends to hearth's HTTP auth and ACL hooks."""
    return hmac.new(secret.encode(), b"hearth broker hook", "sha256").hexdigest()


class DeviceAccess:
    """The broker policy of a hearth with a device cloud."""

    def __init__(
        self,
        secret: str,
        sessions: async_sessionmaker[AsyncSession],
        *,
        cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        self._service = ServiceAccess(secret)
        self._sessions = sessions
        self._cache_seconds = cache_seconds
        self._hashes: dict[str, tuple[float, str]] = {}

    async def authenticate(self, *, client_id: str, username: str | None, password: str) -> bool:
        """Let in the service account, or a device with its own id and current secret."""
        if username == SERVICE_USERNAME:
            return await self._service.authenticate(
                client_id=client_id, username=username, password=password
            )
        # The client id must be the username: otherwise one device could take over
        # another's session by connecting with its id.
        if not is_device_id(username) or client_id != username or not password:
            metrics.ERRORS.labels(area="broker_auth").inc()
            return False
        assert username is not None
        stored = await self._secret_hash(username)
        ok = stored is not None and verify_secret(password, stored)
        if not ok:
            metrics.ERRORS.labels(area="broker_auth").inc()
        return ok

    def allows(self, *, username: str | None, topic: str, access: Access) -> bool:
        return acl.allows(username, topic, access)

    def forget(self, device_id: str) -> None:
        """Drop a cached secret hash (after rotation or revocation)."""
        self._hashes.pop(device_id, None)

    async def _secret_hash(self, device_id: str) -> str | None:
        now = time.monotonic()
        cached = self._hashes.get(device_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        async with self._sessions() as session:
            stored = await session.scalar(
                select(Device.secret_hash).where(
                    Device.id == device_id, Device.status == DeviceStatus.ACTIVE.value
                )
            )
        if stored is None:
            self._hashes.pop(device_id, None)
            return None
        if len(self._hashes) > 100_000:
            self._hashes.clear()
        self._hashes[device_id] = (now + self._cache_seconds, stored)
        return stored
