"""Certify a spec on its own: a private broker that knows one test unit, no database.

``hearth certify`` uses this to check a spec file or a library model before it is ever
submitted; the broker, the simulated device and the runner are the same as in a
product's certification run.
"""

from __future__ import annotations

import hmac
import random
import secrets

from hearth.devices.compiled import compile_spec
from hearth.devices.spec import Spec
from hearth.hub import acl, credentials
from hearth.hub.acl import SERVICE_USERNAME, Access, service_password
from hearth.hub.broker import EmbeddedBroker
from hearth.hub.simulator import Credentials
from hearth.kit.ports import free_port
from hearth.mall.certification.checks import Outcome
from hearth.mall.certification.faults import CertifiedDevice, Fault
from hearth.mall.certification.runner import Endpoint, Progress, Timing, Unit, certify
from hearth.mqtt.address import BrokerAddress


class SoloAccess:
    """Broker access for one test unit and the runner's service account."""

    def __init__(self, service_secret: str, device_id: str, device_secret: str) -> None:
        self._service = service_password(service_secret)
        self._device = (device_id, device_secret)

    async def authenticate(self, *, client_id: str, username: str | None, password: str) -> bool:
        if username == SERVICE_USERNAME:
            return hmac.compare_digest(password, self._service)
        device_id, secret = self._device
        return username == device_id == client_id and hmac.compare_digest(password, secret)

    def allows(self, *, username: str | None, topic: str, access: Access) -> bool:
        return acl.allows(username, topic, access)


async def certify_spec(
    spec: Spec,
    *,
    faults: frozenset[Fault] = frozenset(),
    timing: Timing | None = None,
    progress: Progress | None = None,
) -> tuple[Unit, list[Outcome]]:
    """Run every check of ``spec`` against a simulated device on a private broker."""
    service_secret = secrets.token_hex(16)
    unit = Credentials(credentials.new_device_id(), spec.model, credentials.new_secret())
    broker = EmbeddedBroker(
        access=SoloAccess(service_secret, unit.device_id, unit.secret),
        host="127.0.0.1",
        port=free_port(),
    )
    await broker.start()
    try:
        compiled = compile_spec(spec)
        address = BrokerAddress(
            "127.0.0.1", broker.port, SERVICE_USERNAME, service_password(service_secret)
        )
        device = CertifiedDevice(
            unit,
            compiled,
            host="127.0.0.1",
            port=broker.port,
            rng=random.Random(unit.device_id),
            faults=faults,
        )
        tested = Unit(unit.device_id, unit.model_id)
        outcomes = await certify(
            compiled,
            endpoint=Endpoint(address, "127.0.0.1", broker.port),
            unit=tested,
            device=device,
            timing=timing or Timing(),
            progress=progress,
        )
    finally:
        await broker.stop()
    return tested, outcomes
