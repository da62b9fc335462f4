"""Certification benchmark: how long the suite takes per spec, and per check.

Certifies every built-in library spec and every MIoT instance in tests/fixtures/miot
(imported to native specs) with a simulated device on a private embedded broker on
127.0.0.1, one spec at a time, as ``hearth certify`` does. Then, for scale, the same
number of round trips as raw MQTT publishes from one device to the service account.

Printed: specs, checks, failures (must be 0), wall time per spec (p50, max), per check,
and the ratio of a check to a raw round trip. Nothing is asserted on time.

    .venv/bin/python bench/certification.py
"""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import time
from pathlib import Path

from hearth.devices import import_miot
from hearth.devices.library import list_specs
from hearth.devices.spec import Spec
from hearth.hub import credentials, protocol
from hearth.hub.acl import SERVICE_USERNAME, service_password
from hearth.hub.broker import EmbeddedBroker
from hearth.hub.protocol import Down, Up
from hearth.kit.ports import free_port
from hearth.mall.certification.standalone import SoloAccess, certify_spec
from hearth.mqtt.wire import WireClient

ROUND_TRIPS = 500

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "miot"


def specs() -> list[Spec]:
    found = list(list_specs())
    for path in sorted(FIXTURES.glob("*.json")):
        imported = import_miot(json.loads(path.read_text()))
        if imported.spec is not None:
            found.append(imported.spec)
    return found


async def raw_round_trip() -> float:
    """Return the mean seconds of a request and its answer between two bare clients."""
    device_id, secret, service = credentials.new_device_id(), "s3cret", "svc"
    broker = EmbeddedBroker(access=SoloAccess(service, device_id, secret), port=free_port())
    await broker.start()
    answered: asyncio.Queue[bytes] = asyncio.Queue()
    cloud = await WireClient.connect(
        "127.0.0.1",
        broker.port,
        client_id="bench-cloud",
        username=SERVICE_USERNAME,
        password=service_password(service),
        on_message=lambda _topic, payload: answered.put_nowait(payload),
    )
    up = protocol.up_topic(device_id, Up.RESULT)

    def echo(_topic: str, payload: bytes) -> None:
        device.publish_nowait(up, payload, qos=1)

    device = await WireClient.connect(
        "127.0.0.1",
        broker.port,
        client_id=device_id,
        username=device_id,
        password=secret,
        on_message=echo,
    )
    await device.subscribe(protocol.down_filter(device_id))
    await cloud.subscribe(up)
    down = protocol.down_topic(device_id, Down.GET)
    started = time.perf_counter()
    for i in range(ROUND_TRIPS):
        await cloud.publish(down, b'{"id": "r%d", "keys": ["2.1"]}' % i, qos=1)
        await answered.get()
    mean = (time.perf_counter() - started) / ROUND_TRIPS
    await device.disconnect()
    await cloud.disconnect()
    await broker.stop()
    return mean


async def main() -> None:
    logging.getLogger("amqtt").setLevel(logging.ERROR)
    logging.getLogger("amqtt.mqtt.protocol.handler").setLevel(logging.ERROR)
    per_spec: list[float] = []
    checks = failures = 0
    for spec in specs():
        started = time.perf_counter()
        _, outcomes = await certify_spec(spec)
        per_spec.append(time.perf_counter() - started)
        checks += len(outcomes)
        failed = [o.check.id for o in outcomes if not o.passed]
        failures += bool(failed)
        if failed:
            print(f"FAILED {spec.model}: {failed}")
    total = sum(per_spec)
    print(f"specs certified        {len(per_spec)}")
    print(f"checks run             {checks}")
    print(f"specs with a failure   {failures}")
    print(
        f"per spec p50 / max     {statistics.median(per_spec) * 1000:.0f} / "
        f"{max(per_spec) * 1000:.0f} ms"
    )
    print(f"per check (mean)       {total / checks * 1000:.2f} ms")
    print(f"total                  {total:.2f} s")
    raw = await raw_round_trip()
    print(f"raw MQTT round trip    {raw * 1000:.2f} ms (mean of {ROUND_TRIPS})")
    print(f"check / round trip     {total / checks / raw:.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
