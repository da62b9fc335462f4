"""Automation latency: a trigger report → the command delivered to the target device.

One run, on 127.0.0.1, with processes started and stopped here (by PID):

1. a database (SQLite, or a PostgreSQL started here) migrated by hearth, with one home
   holding N background sensors, a
   probe sensor, a second (unwatched) probe and a target light, and one automation:
   "when the probe's temperature changes, switch the light on" (mode parallel);
2. the broker: Mosquitto configured by hearth (its password and ACL files), or the
   embedded broker of the default setup (the Mosquitto the worker runs itself where
   installed, else amqtt inside it); then a hearth worker process (the ``Hearth``
   runtime: device cloud and scene runner, no web), its ingest flush interval set from
   ``--intervals``;
3. a load process: the N sensors connect with their own credentials and report at
   ``--rate`` reports per second in total for the whole run;
4. phase *raw*: the unwatched probe reports and a plain client (aiomqtt, hearth's own
   library, on the service account) relays each report to the light as a set command:
   the broker's two-hop round trip on this machine, under the same load;
5. phase *hearth*: the watched probe reports and hearth's automation sends the command.

Latency is measured in this process, from just before the probe publishes to the moment
the light's connection receives the set command, one sample at a time (``--samples``).
It prints p50, p90, p99 and max for both phases and their ratio, per broker and ingest
interval, and where the time goes inside hearth (report received → judged by the scene
runner as it arrives → run and its first command recorded, one transaction → command
handed to the broker), and how long each ingest batch's transaction took (on SQLite an
urgent write may wait for the one under way). No timed asserts.

    .venv/bin/python bench/scene_latency.py [--devices 200] [--rate 1000] [--samples 300]
        [--intervals 0.05,0.005] [--broker both|mosquitto|embedded] [--database sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiomqtt  # noqa: E402
from sqlalchemy import update  # noqa: E402

from hearth import db  # noqa: E402
from hearth.config import Settings  # noqa: E402
from hearth.devices import library  # noqa: E402
from hearth.devices.compiled import compile_spec  # noqa: E402
from hearth.homes.service import home_of  # noqa: E402
from hearth.hub import identity, protocol  # noqa: E402
from hearth.hub.acl import SERVICE_USERNAME, service_password  # noqa: E402
from hearth.hub.events import DeviceReportArrived  # noqa: E402
from hearth.hub.models import Device  # noqa: E402
from hearth.hub.mosquitto import MosquittoSync  # noqa: E402
from hearth.hub.operator import write_secret_file  # noqa: E402
from hearth.hub.simulator import Credentials, SimulatedDevice, read_fleet  # noqa: E402
from hearth.kit.clock import SystemClock  # noqa: E402
from hearth.kit.ports import free_port  # noqa: E402
from hearth.outbox import discard, unit_of_work  # noqa: E402
from hearth.services import migrate  # noqa: E402
from tests.servers import (  # noqa: E402
    Mosquitto,
    run_postgres,
    start_mosquitto,
    stop_mosquitto,
    wait_for_port,
)

SENSOR, LIGHT = "hearth.th-sensor.v1", "hearth.light.v1"
SECRET = "bench-secret-key-long-enough-for-hmac-signing-0123456789"
TEMPERATURE, SWITCH = "2.1", "2.1"


def _say(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


def _env(data_dir: Path, port: int, extra: dict[str, str]) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    return {
        **base,
        "HEARTH_DATA_DIR": str(data_dir),
        "HEARTH_SECRET_KEY": SECRET,
        "HEARTH_EMBEDDED_MQTT_PORT": str(port),
        "HEARTH_CONFIG": str(data_dir / "none.toml"),
        **extra,
    }


async def start_broker(
    kind: str, data_dir: Path, settings: Settings
) -> tuple[int, int, dict[str, str], Mosquitto | None]:
    """Return (service port, device port, worker settings, Mosquitto started here)."""
    if kind == "embedded":
        port = settings.embedded_mqtt_port
        return port, port, {}, None
    password = service_password(SECRET)
    directory = data_dir / "mosquitto"
    files = directory / "hearth"
    service_port = free_port()
    device_port = free_port(other_than={service_port})
    listener = f"{device_port} 127.0.0.1"
    engine = db.create_engine(settings.resolved_database_url, pool=False)
    try:
        sync = MosquittoSync(
            db.session_factory(engine),
            directory=files,
            service_username=SERVICE_USERNAME,
            service_password=password,
            service_listener=f"{service_port} 127.0.0.1",
            device_listener=listener,
        )
        config = sync.write_static()
        await sync.sync(force=True)
    finally:
        await engine.dispose()
    pid_file = directory / "mosquitto.pid"
    broker = start_mosquitto(  # hearth's file declares both listeners
        directory,
        f"pid_file {pid_file}\n" + config.read_text(),
        port=service_port,
        own_listener=False,
    )
    extra = {
        "HEARTH_MQTT_URL": f"mqtt://{SERVICE_USERNAME}:{password}@127.0.0.1:{service_port}",
        "HEARTH_MOSQUITTO_DIR": str(files),
        "HEARTH_MOSQUITTO_PID_FILE": str(pid_file),
        "HEARTH_MOSQUITTO_DEVICE_LISTENER": listener,
    }
    return service_port, device_port, extra, broker


# -- child processes ----------------------------------------------------------------------


async def worker_main(interval: float) -> None:
    """Run hearth until stdin closes (its flush interval comes in HEARTH_INGEST_FLUSH_MS)."""
    from hearth.bootstrap import Hearth
    from hearth.config import load_settings
    from hearth.kit.heap import tune_collector
    from hearth.logs import configure_logging

    configure_logging("warning", "console")
    runtime = Hearth.from_settings(load_settings())
    await runtime.start()
    tune_collector()  # as ``hearth worker`` and ``hearth serve`` do in each process
    cloud = runtime.cloud
    assert cloud is not None and cloud.ingest is not None and cloud.traffic is not None
    probe = os.environ["BENCH_PROBE"]
    stages: dict[str, list[float]] = {
        "received→judged": [],
        "judged→run and command recorded": [],
        "recorded→sent": [],
        "ingest batch written (every batch)": [],
    }
    seen: dict[str, float] = {}
    receive = cloud.traffic._on_message

    def received(topic: str, payload: bytes) -> None:
        if probe in topic:
            seen["received"] = time.perf_counter()
        receive(topic, payload)

    def judged(event: DeviceReportArrived) -> None:
        # Told right after the runner judged the report (its run is spawned, not yet begun).
        if event.device_id == probe and "received" in seen:
            seen["judged"] = time.perf_counter()
            stages["received→judged"].append((seen["judged"] - seen["received"]) * 1000)

    publish = cloud.commands._publish

    async def sent(command: Any) -> None:
        if "recorded" in seen:
            stages["recorded→sent"].append((time.perf_counter() - seen.pop("recorded")) * 1000)
        await publish(command)

    assert runtime.scenes is not None
    spawn_run = runtime.scenes._spawn_run

    def recorded(*args: Any) -> None:
        if "judged" in seen:
            seen["recorded"] = time.perf_counter()
            stages["judged→run and command recorded"].append(
                (seen["recorded"] - seen.pop("judged")) * 1000
            )
        spawn_run(*args)

    runtime.scenes._spawn_run = recorded  # type: ignore[method-assign,assignment]

    apply = cloud.ingest._apply

    async def applied(*args: Any) -> Any:
        started = time.perf_counter()
        try:
            return await apply(*args)
        finally:
            stages["ingest batch written (every batch)"].append(
                (time.perf_counter() - started) * 1000
            )

    cloud.ingest._apply = applied  # type: ignore[method-assign,assignment]
    cloud.traffic._on_message = received
    runtime.bus.on(DeviceReportArrived, judged)
    cloud.commands._publish = sent  # type: ignore[method-assign]
    # The default embedded broker (a Mosquitto the worker runs) has a listener of its own
    # for hearth's clients: say where it is.
    _say({"ready": True, "service_port": runtime.broker_address().port})
    await asyncio.to_thread(sys.stdin.read)
    _say({name: figures(values, len(values)) for name, values in stages.items()})
    await runtime.stop()


async def load_main(fleet: Path, port: int, rate: float) -> None:
    """Connect the background sensors and report at ``rate`` per second until stdin closes."""
    spec = compile_spec(library.get_spec(SENSOR))
    devices = [
        SimulatedDevice(c, spec, host="127.0.0.1", port=port, report_every=3600.0)
        for c in read_fleet(fleet)
    ]
    for device in devices:
        await device.connect()
    _say({"connected": len(devices)})
    done = asyncio.create_task(asyncio.to_thread(sys.stdin.read))
    sent, started = 0, time.perf_counter()
    rng = random.Random(1)
    while not done.done():
        due = int((time.perf_counter() - started) * rate)
        while sent < due:
            device = devices[sent % len(devices)]
            device.report({TEMPERATURE: round(rng.uniform(15, 30), 1)})
            sent += 1
        await asyncio.sleep(0.002)
    _say({"sent": sent, "seconds": round(time.perf_counter() - started, 1)})
    for device in devices:
        await device.stop()


# -- preparation --------------------------------------------------------------------------


async def prepare(settings: Settings, count: int, fleet: Path) -> dict[str, identity.Minted]:
    """Migrate; mint and pair the sensors, two probes and the light; add the automation."""
    from hearth.accounts import service as accounts
    from hearth.scenes import service as scenes
    from hearth.scenes.schemas import AutomationIn

    await migrate(settings)
    engine = db.create_engine(settings.resolved_database_url, pool=False)
    try:
        now = _now()
        # Prepared before the measured hearth starts: nobody is running to hear the events.
        async with unit_of_work(db.session_factory(engine), discard) as session:
            user = await accounts.create_user(
                session, now=SystemClock().now(), username="bench", password="bench-password-1"
            )
            _, home = await home_of(session, username="bench", name="Bench", now=now)
            units = await identity.mint(session, model_id=SENSOR, count=count + 2, now=now)
            (light,) = await identity.mint(session, model_id=LIGHT, count=1, now=now)
            await session.execute(
                update(Device).where(Device.home_id.is_(None)).values(home_id=home.id)
            )
            probe, spare = units[-2], units[-1]
            automation = AutomationIn.model_validate(
                {
                    "name": "Probe switches the light",
                    "mode": "parallel",
                    "triggers": [
                        {
                            "kind": "property",
                            "device_id": probe.device_id,
                            "key": TEMPERATURE,
                            "op": "changes",
                        }
                    ],
                    "actions": [
                        {"kind": "set", "device_id": light.device_id, "props": {SWITCH: True}}
                    ],
                }
            )
            await scenes.create_automation(
                session, user=user, home_id=home.id, automation=automation, now=now
            )
        write_secret_file(fleet, identity.factory_csv(units[:-2]))
        return {"probe": probe, "spare": spare, "light": light}
    finally:
        await engine.dispose()


def _now() -> Any:
    from hearth.kit.clock import SystemClock

    return SystemClock().now()


# -- measuring ----------------------------------------------------------------------------


class Target:
    """The light: records when each set command reaches its connection."""

    def __init__(self, unit: identity.Minted, port: int) -> None:
        spec = compile_spec(library.get_spec(LIGHT))
        creds = Credentials(unit.device_id, unit.model_id, unit.secret)
        self.device = SimulatedDevice(creds, spec, host="127.0.0.1", port=port, report_every=3600.0)
        self.arrived = asyncio.Event()
        self.at = 0.0
        original = self.device._on_message

        def heard(topic: str, payload: bytes) -> None:
            if topic.endswith("/set"):
                self.at = time.perf_counter()
                self.arrived.set()
            original(topic, payload)

        self.device._on_message = heard  # type: ignore[method-assign]


def _probe(unit: identity.Minted, port: int) -> SimulatedDevice:
    spec = compile_spec(library.get_spec(SENSOR))
    creds = Credentials(unit.device_id, unit.model_id, unit.secret)
    return SimulatedDevice(creds, spec, host="127.0.0.1", port=port, report_every=3600.0)


async def sample(probe: SimulatedDevice, target: Target, samples: int) -> list[float]:
    """Report a changed temperature, wait for the set command; return milliseconds each."""
    found: list[float] = []
    for index in range(samples):
        target.arrived.clear()
        started = time.perf_counter()
        probe.report({TEMPERATURE: 20.0 + (index % 2)})
        try:
            await asyncio.wait_for(target.arrived.wait(), 2.0)
        except TimeoutError:
            continue
        found.append((target.at - started) * 1000)
        await asyncio.sleep(random.uniform(0.02, 0.04))
    return found


@contextlib.asynccontextmanager
async def relay(port: int, probe: SimulatedDevice, target: Target) -> Any:
    """A plain client that forwards the probe's reports to the light as set commands."""
    async with aiomqtt.Client(
        "127.0.0.1",
        port,
        username=SERVICE_USERNAME,
        password=service_password(SECRET),
        protocol=aiomqtt.ProtocolVersion.V311,
        socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
    ) as client:
        await client.subscribe(protocol.up_topic(probe.id, protocol.Up.REPORT), qos=1)
        kind, body = protocol.encode_down(protocol.SetRequest("raw", {SWITCH: True}))
        down = protocol.down_topic(target.device.id, kind)

        async def forward() -> None:
            async for _ in client.messages:
                await client.publish(down, body, qos=1)

        task = asyncio.create_task(forward())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def figures(values: list[float], asked: int) -> dict[str, Any]:
    if len(values) < 2:
        return {"n": len(values), "lost": asked - len(values)}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "n": len(values),
        "lost": asked - len(values),
        "p50": round(cuts[49], 2),
        "p90": round(cuts[89], 2),
        "p99": round(cuts[98], 2),
        "max": round(max(values), 2),
    }


def _child(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, *args],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
    )


async def _read(child: subprocess.Popen[str], within: float = 120) -> dict[str, Any]:
    assert child.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(child.stdout.readline), within)
    if not line:
        raise RuntimeError(f"child {child.pid} ended early; see its log")
    answer: dict[str, Any] = json.loads(line)
    return answer


def _finish(child: subprocess.Popen[str]) -> None:
    if child.poll() is None:
        with contextlib.suppress(OSError):
            assert child.stdin is not None
            child.stdin.close()
        try:
            child.wait(20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(5)


async def run_one(
    kind: str, interval: float, args: argparse.Namespace, work: Path, database: str | None
) -> dict[str, Any]:
    data_dir = work / f"var-{kind}-{interval}"
    settings = Settings(
        data_dir=data_dir, secret_key=SECRET, embedded_mqtt_port=free_port(), database_url=database
    )
    fleet = data_dir / "fleet.csv"
    data_dir.mkdir(parents=True)
    units = await prepare(settings, args.devices, fleet)
    service_port, port, extra, broker = await start_broker(kind, data_dir, settings)
    if database is not None:
        extra["HEARTH_DATABASE_URL"] = database
    extra["HEARTH_INGEST_FLUSH_MS"] = str(round(interval * 1000))
    env = {
        **_env(data_dir, settings.embedded_mqtt_port, extra),
        "BENCH_PROBE": units["probe"].device_id,
    }
    worker = _child(["--worker", str(interval)], env, work / f"worker-{kind}-{interval}.log")
    load: subprocess.Popen[str] | None = None
    try:
        service_port = (await _read(worker))["service_port"]
        wait_for_port(port, 30)
        load = _child(
            ["--load", str(fleet), str(port), str(args.rate)],
            env,
            work / f"load-{kind}-{interval}.log",
        )
        await _read(load)
        target = Target(units["light"], port)
        probe, spare = _probe(units["probe"], port), _probe(units["spare"], port)
        for device in (target.device, probe, spare):
            await device.connect()
        await asyncio.sleep(1.0)  # let the load settle and hearth learn every device
        async with relay(service_port, spare, target):
            raw = await sample(spare, target, args.samples)
        hearth = await sample(probe, target, args.samples)
        for device in (target.device, probe, spare):
            await device.stop()
        _finish(load)
        sent = await _read(load)
        assert worker.stdin is not None
        worker.stdin.close()
        stages = await _read(worker)
        return {
            "broker": kind,
            "database": "PostgreSQL" if database else "SQLite",
            "interval_ms": interval * 1000,
            "raw": figures(raw, args.samples),
            "hearth": figures(hearth, args.samples),
            "load": sent,
            "stages": stages,
        }
    finally:
        if load is not None:
            _finish(load)
        _finish(worker)
        if broker is not None:
            stop_mosquitto(broker)


def report(result: dict[str, Any], args: argparse.Namespace) -> None:
    raw, hearth = result["raw"], result["hearth"]
    print(
        f"\n== {result['broker']} broker, {result['database']}, ingest flush interval "
        f"{result['interval_ms']:g} ms; {args.devices} background sensors at {args.rate:g} "
        f"reports/s (sent {result['load'].get('sent')} in {result['load'].get('seconds')} s)"
    )
    print(f"{'':8}{'n':>6}{'lost':>6}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, row in (("broker", raw), ("hearth", hearth)):
        cells = [row.get(k, float("nan")) for k in ("p50", "p90", "p99", "max")]
        print(f"{name:8}{row['n']:>6}{row['lost']:>6}" + "".join(f"{c:>9.2f}" for c in cells))
    for name, row in result["stages"].items():
        if "p50" in row:
            print(f"  inside hearth, {name}: p50 {row['p50']:.2f} ms, p99 {row['p99']:.2f} ms")
    if "p50" in raw and "p50" in hearth:
        print(
            f"hearth / broker: p50 ×{hearth['p50'] / raw['p50']:.1f}, "
            f"p99 ×{hearth['p99'] / raw['p99']:.1f}; hearth adds "
            f"{hearth['p50'] - raw['p50']:.1f} ms at p50, "
            f"{hearth['p99'] - raw['p99']:.1f} ms at p99; "
            f"goal p99 < 25 ms: {'met' if hearth['p99'] < 25 else 'not met'}"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--rate", type=float, default=1000.0, help="background reports/s")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--intervals", default="0.05,0.005", help="ingest flush intervals, s")
    parser.add_argument("--broker", choices=["both", "mosquitto", "embedded"], default="both")
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="PostgreSQL is started here (throw-away, fsync off)",
    )
    args = parser.parse_args()
    if (
        not 1 <= args.devices <= 5000
        or not 0 <= args.rate <= 20000
        or not 10 <= args.samples <= 5000
    ):
        parser.error("devices 1-5000, rate 0-20000, samples 10-5000")
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory(prefix="scene-") as tmp:
        postgres = stack.enter_context(run_postgres()) if args.database == "postgres" else None
        kinds = ["mosquitto", "embedded"] if args.broker == "both" else [args.broker]
        runs = 0
        for kind in kinds:
            for interval in (float(x) for x in args.intervals.split(",")):
                database = None
                if postgres is not None:
                    runs += 1
                    postgres.psql(f"CREATE DATABASE bench{runs}")
                    database = postgres.url(f"bench{runs}")
                result = await run_one(kind, interval, args, Path(tmp), database)
                report(result, args)
                if result["hearth"]["lost"]:
                    log = (Path(tmp) / f"worker-{kind}-{interval}.log").read_text()
                    print("worker log (last lines):", *log.splitlines()[-8:], sep="\n  ")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        asyncio.run(worker_main(float(sys.argv[2])))
    elif len(sys.argv) > 1 and sys.argv[1] == "--load":
        asyncio.run(load_main(Path(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])))
    else:
        asyncio.run(main())
