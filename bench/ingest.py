"""Device ingest benchmark: hearth's end-to-end ingest rate against the raw broker rate.

One run, on 127.0.0.1, with processes started and stopped here (by PID):

1. a database (PostgreSQL with an external Mosquitto; SQLite with the embedded broker)
   migrated by hearth, and N units of ``hearth.th-sensor.v1`` minted and paired with a home;
2. the broker: ``mosquitto``, a Mosquitto started here and configured by hearth (its
   password and ACL files); ``default``, the embedded broker of the default setup (the
   Mosquitto the hearth worker starts itself when installed); ``amqtt``, the embedded
   fallback inside the hearth worker process;
3. a hearth worker process (the ``Hearth`` runtime with its device cloud, no web);
4. a device process connecting all N devices with their own credentials (timed);
5. phase *raw*: the devices publish for ``--seconds`` while a plain subscriber (aiomqtt,
   the client hearth itself uses) counts what it receives;
6. phase *hearth*: the same devices, the same payload, while the worker ingests; what
   counts is reports applied to state and history in the database.

It prints both rates, their ratio, the connect time and hearth's memory per connected
device. ``--rate 0`` (the default) offers as much as the device process can send;
a positive ``--rate`` offers that many messages per second in total. No timed asserts.

    .venv/bin/python bench/ingest.py [--devices 10000] [--seconds 10] [--rate 0]
        [--broker both|mosquitto|default|amqtt] [--embedded-devices 1000]

``both`` runs ``mosquitto`` and ``default``. With ``default``, the broker keeps hearth's
session from the worker's first start, so it would hold the raw phase's messages for
hearth too: the session is emptied between the phases.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiomqtt  # noqa: E402
import uvloop  # noqa: E402
from sqlalchemy import func, select, update  # noqa: E402

from hearth import db  # noqa: E402
from hearth.config import Settings  # noqa: E402
from hearth.errors import BrokerError  # noqa: E402
from hearth.homes.service import home_of  # noqa: E402
from hearth.hub import identity  # noqa: E402
from hearth.hub.acl import SERVICE_USERNAME, service_password  # noqa: E402
from hearth.hub.models import Device, DeviceState  # noqa: E402
from hearth.hub.mosquitto import MosquittoSync  # noqa: E402
from hearth.hub.operator import write_secret_file  # noqa: E402
from hearth.hub.protocol import UP_FILTER, Up, up_topic  # noqa: E402
from hearth.hub.simulator import read_fleet  # noqa: E402
from hearth.hub.supervised import INGEST_SESSION  # noqa: E402
from hearth.kit.clock import SystemClock  # noqa: E402
from hearth.kit.ports import free_port  # noqa: E402
from hearth.mqtt.wire import WireClient  # noqa: E402
from hearth.outbox import discard, unit_of_work  # noqa: E402
from hearth.services import migrate  # noqa: E402
from tests.servers import run_postgres, start_mosquitto, stop_mosquitto  # noqa: E402

MODEL = "hearth.th-sensor.v1"
SECRET = "bench-secret-key-long-enough-for-hmac-signing-0123456789"
WARMUP = 1.0
MAX_IN_FLIGHT = 20_000


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _env(settings: dict[str, str]) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    return {**base, **{f"HEARTH_{k.upper()}": v for k, v in settings.items()}}


# -- the device process -----------------------------------------------------------------


async def devices_main(fleet: Path, host: str, port: int) -> None:
    """Connect every device, then publish on command: ``run SECONDS RATE``."""
    _raise_fd_limit()
    credentials = read_fleet(fleet)
    boot = time.time_ns() // 1_000_000
    clients: list[tuple[WireClient, str]] = []
    gate = asyncio.Semaphore(500)

    async def connect(device_id: str, secret: str) -> None:
        async with gate:
            for attempt in range(20):
                try:
                    client = await WireClient.connect(
                        host,
                        port,
                        client_id=device_id,
                        username=device_id,
                        password=secret,
                        keepalive=600,
                        within=60,
                    )
                    clients.append((client, up_topic(device_id, Up.REPORT)))
                    return
                except BrokerError:
                    await asyncio.sleep(0.2 * (attempt + 1))

    started = time.perf_counter()
    await asyncio.gather(*(connect(c.device_id, c.secret) for c in credentials))
    _say({"connected": len(clients), "seconds": time.perf_counter() - started})
    seqs = [0] * len(clients)
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    in_flight = 0

    def acked(_future: asyncio.Future[bytes]) -> None:
        nonlocal in_flight
        in_flight -= 1

    while line := (await reader.readline()).decode().split():
        if line[0] != "run":
            break
        seconds, rate = float(line[1]), float(line[2])
        sent, index, begin = 0, 0, time.perf_counter()
        while (elapsed := time.perf_counter() - begin) < seconds:
            due = int(rate * elapsed) - sent if rate else 1000
            due = min(due, MAX_IN_FLIGHT - in_flight)
            for _ in range(max(due, 0)):
                slot = index % len(clients)
                client, topic = clients[slot]
                seqs[slot] += 1
                seq = seqs[slot]
                body = b'{"boot":%d,"seq":%d,"props":{"2.1":%.1f,"2.2":%d}}' % (
                    boot,
                    seq,
                    15 + (seq % 200) / 10,
                    30 + seq % 60,
                )
                with contextlib.suppress(BrokerError):
                    future = client.publish_nowait(topic, body, qos=1)
                    if future is not None:
                        in_flight += 1
                        future.add_done_callback(acked)
                index += 1
                sent += 1
            await asyncio.sleep(0.002 if rate else 0)
        elapsed = time.perf_counter() - begin
        for _ in range(200):  # wait (up to 10 s) for the broker's acknowledgements
            if in_flight <= 0:
                break
            await asyncio.sleep(0.05)
        _say({"sent": sent, "unacked": in_flight, "elapsed": elapsed, "bytes": len(body)})
    for client, _ in clients:
        client.abort()


def _say(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


# -- the hearth worker process ----------------------------------------------------------


async def worker_main() -> None:
    """Run a hearth (device cloud, no web) until told to quit; ``ingest`` starts consuming."""
    _raise_fd_limit()
    from hearth.bootstrap import Hearth
    from hearth.config import load_settings
    from hearth.kit.heap import tune_collector
    from hearth.logs import configure_logging

    configure_logging("warning", "console")  # to stderr: stdout answers the orchestra

    runtime = Hearth.from_settings(load_settings())
    await runtime.start()
    tune_collector()  # as ``hearth serve`` does in each worker process
    assert runtime.cloud is not None
    _say(
        {
            "ready": True,
            "rss_kib": _rss_kib(os.getpid()),
            "service_port": runtime.broker_address().port,
            "broker_pid": runtime.supervised.process.pid
            if runtime.supervised is not None and runtime.supervised.process is not None
            else None,
        }
    )
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().strip():
        if line == "ingest":
            await runtime.cloud.start_ingest()
            await runtime.cloud.wait_ready(10)
            _say({"ingesting": True})
        elif line == "rss":
            from prometheus_client import REGISTRY

            outcomes = {
                sample.labels["outcome"]: int(sample.value)
                for metric in REGISTRY.collect()
                if metric.name == "hearth_device_messages"
                for sample in metric.samples
                if sample.name.endswith("_total")
            }
            _say({"rss_kib": _rss_kib(os.getpid()), "outcomes": outcomes})
        else:
            break
    await runtime.stop()


# -- the orchestra ----------------------------------------------------------------------


@dataclass
class Child:
    process: subprocess.Popen[str]
    log: Path

    @classmethod
    def start(cls, args: list[str], env: dict[str, str], log: Path) -> Child:
        process = subprocess.Popen(
            [sys.executable, __file__, *args],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log.open("w"),
            text=True,
        )
        return cls(process, log)

    async def ask(self, line: str | None = None, within: float = 600) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        if line is not None:
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
        text = await asyncio.wait_for(asyncio.to_thread(self.process.stdout.readline), within)
        if not text:
            tail = self.log.read_text().strip().splitlines()[-15:] if self.log.exists() else []
            raise RuntimeError(f"child {self.process.pid} ended:\n" + "\n".join(tail))
        answer: dict[str, Any] = json.loads(text)
        return answer

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(BrokenPipeError, OSError):
                assert self.process.stdin is not None
                self.process.stdin.write("quit\n")
                self.process.stdin.flush()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


async def prepare(settings: Settings, count: int, fleet: Path) -> None:
    """Migrate, mint ``count`` sensors, pair them with one home, write the fleet CSV."""
    await migrate(settings)
    engine = db.create_engine(settings.resolved_database_url, pool=False)
    try:
        now = SystemClock().now()
        # Prepared before the measured hearth starts: nobody is running to hear the events.
        async with unit_of_work(db.session_factory(engine), discard) as session:
            from hearth.accounts import service as accounts

            await accounts.create_user(
                session, now=SystemClock().now(), username="bench", password="bench-password-1"
            )
            _, home = await home_of(session, username="bench", name="Bench", now=now)
            units: list[identity.Minted] = []
            while len(units) < count:
                units += await identity.mint(
                    session,
                    model_id=MODEL,
                    count=min(identity.MAX_MINT, count - len(units)),
                    now=now,
                )
            # Pairing 10,000 units one code at a time is not what is measured here.
            await session.execute(
                update(Device).where(Device.model_id == MODEL).values(home_id=home.id)
            )
        write_secret_file(fleet, identity.factory_csv(units))
    finally:
        await engine.dispose()


async def applied(url: str) -> int:
    engine = db.create_engine(url, pool=False)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(select(func.sum(DeviceState.reports)))).scalar() or 0)
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def raw_subscriber(port: int, password: str, kind: str) -> AsyncIterator[list[float]]:
    """Count every device message, with its arrival time, as a plain subscriber.

    ``wire``: hearth's own minimal MQTT client with nothing but a counter behind it, the
    fastest subscriber this machine runs (the baseline); ``aiomqtt``: the general client.
    """
    arrivals: list[float] = []
    if kind == "wire":
        client = await WireClient.connect(
            "127.0.0.1",
            port,
            client_id="bench-raw",
            username=SERVICE_USERNAME,
            password=password,
            on_message=lambda _t, _p: arrivals.append(time.perf_counter()),
        )
        await client.subscribe(UP_FILTER, qos=1)
        try:
            yield arrivals
        finally:
            await client.disconnect(drain=0)
        return
    async with aiomqtt.Client(
        "127.0.0.1",
        port,
        username=SERVICE_USERNAME,
        password=password,
        protocol=aiomqtt.ProtocolVersion.V311,
        max_queued_incoming_messages=0,
    ) as general:
        await general.subscribe(UP_FILTER, qos=1)

        async def pump() -> None:
            async for _message in general.messages:
                arrivals.append(time.perf_counter())

        task = asyncio.create_task(pump())
        try:
            yield arrivals
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _in_window(arrivals: list[float], start: float, end: float) -> int:
    return sum(1 for t in arrivals if start <= t < end)


async def run_one(kind: str, count: int, seconds: float, rate: float, work: Path) -> dict[str, Any]:
    """Measure one broker kind; return its figures."""
    os.makedirs(work)
    fleet = work / "fleet.csv"
    service_port = free_port()
    device_port = free_port(other_than={service_port})
    password = service_password(SECRET)
    values: dict[str, str] = {
        "data_dir": str(work / "var"),
        "config": str(work / "none.toml"),
        "secret_key": SECRET,
        "ingest": "false",
        "log_level": "warning",
    }
    postgres = broker = None
    stack = contextlib.ExitStack()
    children: list[Child] = []
    try:
        if kind == "mosquitto":
            postgres = stack.enter_context(run_postgres())
            postgres.psql("CREATE DATABASE bench")
            values["database_url"] = postgres.url("bench")
            values["mqtt_url"] = f"mqtt://{SERVICE_USERNAME}:{password}@127.0.0.1:{service_port}"
        else:
            values["embedded_mqtt_port"] = str(device_port)
            values["embedded_broker"] = "auto" if kind == "default" else "amqtt"
        settings = Settings(**{k: v for k, v in values.items() if k != "config"})  # type: ignore[arg-type]
        await prepare(settings, count, fleet)
        if kind == "mosquitto":
            sync = MosquittoSync(
                db.session_factory(db.create_engine(settings.resolved_database_url, pool=False)),
                directory=work / "mosquitto" / "hearth",
                service_username=SERVICE_USERNAME,
                service_password=password,
                service_listener=f"{service_port} 127.0.0.1",
                device_listener=f"{device_port} 127.0.0.1",
            )
            config = sync.write_static()
            await sync.sync(force=True)
            _raise_fd_limit()  # inherited by the broker
            broker = start_mosquitto(  # hearth's file declares both listeners
                work / "mosquitto",
                config.read_text(),
                port=service_port,
                own_listener=False,
            )
        env = _env(values)
        worker = Child.start(["worker"], env, work / "worker.log")
        children.append(worker)
        started = await worker.ask(within=120)
        service_port = started["service_port"]
        broker_pid = broker.process.pid if broker is not None else started["broker_pid"]
        devices = Child.start(
            ["devices", str(fleet), "127.0.0.1", str(device_port)], env, work / "devices.log"
        )
        children.append(devices)
        connected = await devices.ask(within=900)
        rss_connected = (await worker.ask("rss"))["rss_kib"]

        raw: dict[str, float] = {}
        offered: dict[str, dict[str, Any]] = {}
        for subscriber in ("wire", "aiomqtt"):
            async with raw_subscriber(service_port, password, subscriber) as arrivals:
                begin = time.perf_counter()
                offered[subscriber] = await devices.ask(
                    f"run {seconds} {rate}", within=seconds + 600
                )
                await asyncio.sleep(1.0)  # let the last deliveries land
                raw[subscriber] = _in_window(arrivals, begin + WARMUP, begin + seconds) / (
                    seconds - WARMUP
                )

        if kind == "default":  # hearth's session held the raw phase's messages: drop them
            wipe = await WireClient.connect(
                "127.0.0.1",
                service_port,
                client_id=INGEST_SESSION,
                username=SERVICE_USERNAME,
                password=password,
            )
            await wipe.disconnect()
        await worker.ask("ingest", within=60)
        url = settings.resolved_database_url
        before = await applied(url)
        begin = time.perf_counter()
        hearth_run = asyncio.create_task(devices.ask(f"run {seconds} {rate}", within=seconds + 600))
        await asyncio.sleep(WARMUP)
        at_start = await applied(url)
        await asyncio.sleep(seconds - WARMUP)
        at_end = await applied(url)
        window = time.perf_counter() - begin - WARMUP
        hearth_sent = await hearth_run
        for _ in range(60):  # then let the backlog drain, to count what was lost
            await asyncio.sleep(1.0)
            total = await applied(url)
            if total - before >= hearth_sent["sent"]:
                break
        after = await worker.ask("rss")
        rss_after = after["rss_kib"]
        broker_rss = _rss_kib(broker_pid) if broker_pid is not None else None
        return {
            "kind": kind,
            "devices": connected["connected"],
            "connect_seconds": connected["seconds"],
            "message_bytes": offered["wire"]["bytes"],
            "raw_offered": offered["wire"]["sent"] / offered["wire"]["elapsed"],
            "raw_rate": raw["wire"],
            "raw_general_rate": raw["aiomqtt"],
            "hearth_offered": hearth_sent["sent"] / hearth_sent["elapsed"],
            "hearth_rate": (at_end - at_start) / window,
            "hearth_applied_total": total - before,
            "hearth_sent_total": hearth_sent["sent"],
            "hearth_unacked": hearth_sent["unacked"],
            "rss_start_kib": started["rss_kib"],
            "rss_connected_kib": rss_connected,
            "rss_after_kib": rss_after,
            "outcomes": after["outcomes"],
            "broker_rss_kib": broker_rss,
        }
    finally:
        for child in reversed(children):
            child.stop()
        if broker is not None:
            stop_mosquitto(broker)
        stack.close()


def report(result: dict[str, Any]) -> None:
    kind = result["kind"]
    n = result["devices"]
    ratio = result["hearth_rate"] / result["raw_rate"] if result["raw_rate"] else float("nan")
    # Embedded: the broker lives in the hearth process, so connections count as hearth's.
    per_device = (result["rss_after_kib"] - result["rss_start_kib"]) * 1024 / max(n, 1)
    print(
        f"\n== {kind}: {n} devices connected in {result['connect_seconds']:.1f} s "
        f"({n / max(result['connect_seconds'], 1e-9):,.0f}/s), "
        f"{result['message_bytes']}-byte reports, QoS 1"
    )
    print(
        f"  raw broker rate (plain subscriber)   {result['raw_rate']:>10,.0f} msg/s"
        f"   (offered {result['raw_offered']:,.0f}/s; minimal client, counter only)"
    )
    print(f"  raw rate, general client (aiomqtt)   {result['raw_general_rate']:>10,.0f} msg/s")
    print(
        f"  hearth ingest rate (state+history)   {result['hearth_rate']:>10,.0f} reports/s"
        f"   (offered {result['hearth_offered']:,.0f}/s)"
    )
    print(f"  ratio hearth / raw                   {ratio:>10.2f}")
    print(
        f"  applied after the run drained        {result['hearth_applied_total']:>10,}"
        f" of {result['hearth_sent_total']:,} sent"
        f" ({result['hearth_unacked']:,} never acknowledged by the broker)"
    )
    rss = f"RSS {result['rss_start_kib'] / 1024:.0f} → {result['rss_after_kib'] / 1024:.0f} MiB"
    print(f"  hearth memory per connected device   {per_device:>10,.0f} bytes   ({rss})")
    outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(result["outcomes"].items()))
    print(f"  hearth's message outcomes            {outcomes}")
    if result["broker_rss_kib"]:
        print(
            f"  mosquitto memory per device          "
            f"{result['broker_rss_kib'] * 1024 / max(n, 1):>10,.0f} bytes"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--embedded-devices", type=int, default=1_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=0.0, help="messages/s offered; 0: max")
    parser.add_argument(
        "--broker", choices=("both", "mosquitto", "default", "amqtt"), default="both"
    )
    args = parser.parse_args()
    if not 1 <= args.devices <= 20_000 or not 1 <= args.seconds <= 120:
        parser.error("1-20000 devices and 1-120 seconds, to keep the run bounded")
    kinds = ["mosquitto", "default"] if args.broker == "both" else [args.broker]
    with tempfile.TemporaryDirectory(prefix="hearth-bench-ingest-") as tmp:
        for kind in kinds:
            count = args.devices if kind != "amqtt" else min(args.devices, args.embedded_devices)
            report(await run_one(kind, count, args.seconds, args.rate, Path(tmp) / kind))
    print(f"\n(cores: {os.cpu_count()}; everything above shared them)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "devices":
        uvloop.run(devices_main(Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])))
    elif len(sys.argv) > 1 and sys.argv[1] == "worker":
        uvloop.run(worker_main())
    else:
        uvloop.run(main())
