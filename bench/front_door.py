"""Front-door benchmark: what an authenticated request costs against the framework's own.

In one run, on 127.0.0.1, with ``wrk`` (the C load generator, so the client is not what is
measured), for each database (SQLite, then PostgreSQL) and for one and two worker
processes:

- *hello world*: a FastAPI app answering ``{"hello": "world"}``, served by the same server
  stack and options as ``hearth serve`` (``hearth.web.server``);
- ``GET /api/v1/me`` with a bearer token, and with a session cookie;
- ``GET /`` with a session cookie: the home view page of a home with 12 devices;
- ``GET /api/v1/devices/{id}``: a device's state read, with a bearer token.

hearth runs as ``hearth serve --workers N`` on a fresh database (migrated and seeded here)
with a Mosquitto it starts for the run. Printed: requests/s, latency p50 and p99, and the
ratio of each rate to the hello world measured in the same run with the same workers.
Every response must be a 200 (wrk's non-2xx count is printed if any is not). The load is
bounded by ``--seconds`` per figure; everything started here is stopped by its PID.

    .venv/bin/python bench/front_door.py [--seconds 5] [--connections 16]
                                         [--databases sqlite,postgres] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi import FastAPI  # noqa: E402
from sqlalchemy import select  # noqa: E402

from hearth.accounts import service as accounts  # noqa: E402
from hearth.config import Settings  # noqa: E402
from hearth.devices import library  # noqa: E402
from hearth.homes import placement, rooms  # noqa: E402
from hearth.homes import service as homes  # noqa: E402
from hearth.hub import identity  # noqa: E402
from hearth.hub.models import DeviceState  # noqa: E402
from hearth.hub.operator import ensure_products  # noqa: E402
from hearth.hub.virtual import plausible  # noqa: E402
from hearth.kit.clock import SystemClock  # noqa: E402
from hearth.kit.ports import free_port  # noqa: E402
from hearth.outbox import discard, unit_of_work  # noqa: E402
from hearth.services import migrate  # noqa: E402
from hearth.web.deps import SESSION_COOKIE  # noqa: E402
from tests.funding.cluster import Worker  # noqa: E402
from tests.servers import run_postgres, start_mosquitto, stop_mosquitto  # noqa: E402

SECRET_KEY = "front-door-secret-key-that-is-long-enough-for-hmac"
DEVICES = 12
# wrk calls done() once, after the run: it costs nothing per request.
REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
"""


def hello() -> FastAPI:
    """The baseline: FastAPI's hello world."""
    app = FastAPI()

    @app.get("/hello")
    async def say_hello() -> dict[str, str]:
        return {"hello": "world"}

    return app


@dataclass(frozen=True)
class Seeded:
    token: str
    cookie: str
    device_id: str


async def seed(settings: Settings) -> Seeded:
    """Migrate the database and create a person with a token, a session and a home."""
    from hearth import db

    await migrate(settings)
    engine = db.create_engine(settings.resolved_database_url, pool=False)
    rng = random.Random(7)
    specs = library.list_specs()
    now = SystemClock().now()
    try:
        # Seeded before any server runs: there is nobody to tell.
        async with unit_of_work(db.session_factory(engine), discard) as session:
            await ensure_products(session, now=now)
            user = await accounts.create_user(
                session, now=now, username="mia", password="a-long-enough-password"
            )
            _, token = await accounts.create_token(session, user=user, name="bench", now=now)
            cookie = await accounts.open_session(
                session, user=user, lifetime=timedelta(days=1), now=now
            )
            home = await homes.create_home(session, owner=user, name="Bench home", now=now)
            room = await rooms.create_room(
                session, user=user, home_id=home.id, name="Living room", now=now
            )
            first = ""
            for n in range(DEVICES):
                spec = specs[n % len(specs)]
                (unit,) = await identity.mint(session, model_id=spec.model, count=1, now=now)
                await placement.add_device(
                    session,
                    user=user,
                    home_id=home.id,
                    pairing_code=unit.pairing_code,
                    room_id=room.id,
                    now=now,
                )
                state = await session.scalar(
                    select(DeviceState).where(DeviceState.device_id == unit.device_id)
                )
                assert state is not None
                state.reported = {
                    f"{s.iid}.{p.iid}": plausible(p, rng)
                    for s in spec.services
                    for p in s.properties
                }
                state.online = True
                first = first or unit.device_id
        return Seeded(token, cookie, first)
    finally:
        await engine.dispose()


def _wait_ready(server: Worker, path: str, headers: dict[str, str]) -> None:
    deadline = time.monotonic() + 60
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server at {server.url} exited")
        try:
            request = urllib.request.Request(server.url + path, headers=headers)
            with urllib.request.urlopen(request, timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server at {server.url} did not answer {path}")
        time.sleep(0.2)


@contextlib.contextmanager
def serving(command: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[Worker]:
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Worker(process, f"http://127.0.0.1:{port}")
    try:
        yield server
    finally:
        server.stop()


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}


@contextlib.contextmanager
def hello_server(workers: int, directory: Path) -> Iterator[Worker]:
    port = free_port()
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); "
        "from hearth.web import server; "
        f"server.run('front_door:hello', host='127.0.0.1', port={port}, workers={workers})"
    )
    command = [sys.executable, "-c", code]
    with serving(command, clean_env(), port, directory / f"hello-{workers}.log") as server:
        _wait_ready(server, "/hello", {})
        yield server


@contextlib.contextmanager
def hearth_server(
    settings: Settings, broker_url: str, workers: int, directory: Path, seeded: Seeded
) -> Iterator[Worker]:
    port = free_port()
    env = {
        **clean_env(),
        "HEARTH_DATA_DIR": str(settings.data_dir),
        "HEARTH_CONFIG": str(directory / "none.toml"),
        "HEARTH_DATABASE_URL": settings.resolved_database_url,
        "HEARTH_MQTT_URL": broker_url,
        "HEARTH_LOG_LEVEL": "warning",
        "HEARTH_SECRET_KEY": SECRET_KEY,
    }
    command = [
        *(sys.executable, "-m", "hearth.cli.main", "serve"),
        *("--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)),
    ]
    with serving(command, env, port, directory / f"hearth-{workers}.log") as server:
        _wait_ready(server, "/api/v1/me", {"Authorization": f"Bearer {seeded.token}"})
        yield server


@dataclass(frozen=True)
class Figure:
    rate: float
    p50_ms: float
    p99_ms: float
    not_ok: int
    socket_errors: int


def wrk(url: str, headers: dict[str, str], seconds: int, connections: int, report: Path) -> Figure:
    """Load ``url`` with wrk for ``seconds``; return its rate and latencies."""
    assert url.startswith("http://127.0.0.1:"), "load goes to 127.0.0.1 only"
    flags = [f"--header={name}: {value}" for name, value in headers.items()]
    command = [
        *("wrk", "--threads", "1", "--connections", str(connections)),
        *("--duration", f"{seconds}s", "--latency", "--script", str(report), *flags, url),
    ]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    match = re.search(r"^RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", out, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"wrk printed no result: {out}")
    count, micros, p50, p99, status, socket = (int(g) for g in match.groups())
    return Figure(count / (micros / 1e6), p50 / 1000, p99 / 1000, status, socket)


def line(name: str, figure: Figure, baseline: Figure | None) -> str:
    ratio = f"{figure.rate / baseline.rate:6.3f}x hello" if baseline else "      baseline"
    problems = ""
    if figure.not_ok or figure.socket_errors:
        problems = f"   !! {figure.not_ok} not 200, {figure.socket_errors} socket errors"
    return (
        f"  {name:<28} {figure.rate:9.0f} req/s   p50 {figure.p50_ms:6.2f} ms   "
        f"p99 {figure.p99_ms:7.2f} ms   {ratio}{problems}"
    )


def measure_database(
    name: str, database_url: str, broker_url: str, args: argparse.Namespace, directory: Path
) -> None:
    settings = Settings(
        data_dir=directory / "var", database_url=database_url, secret_key=SECRET_KEY
    )
    seeded = asyncio.run(seed(settings))
    report = directory / "report.lua"
    report.write_text(REPORT)
    bearer = {"Authorization": f"Bearer {seeded.token}"}
    cookie = {"Cookie": f"{SESSION_COOKIE}={seeded.cookie}"}
    targets = [
        ("GET /api/v1/me (bearer)", "/api/v1/me", bearer),
        ("GET /api/v1/me (cookie)", "/api/v1/me", cookie),
        ("GET / home view (cookie)", "/", cookie),
        ("GET device state (bearer)", f"/api/v1/devices/{seeded.device_id}", bearer),
    ]
    for workers in args.workers:
        print(f"{name}, {workers} worker{'s' if workers > 1 else ''}:", flush=True)
        with hello_server(workers, directory) as server:
            wrk(server.url + "/hello", {}, 1, args.connections, report)  # warm up
            baseline = wrk(server.url + "/hello", {}, args.seconds, args.connections, report)
        print(line("hello world", baseline, None), flush=True)
        with hearth_server(settings, broker_url, workers, directory, seeded) as server:
            for label, path, headers in targets:
                wrk(server.url + path, headers, 1, args.connections, report)  # warm up
                figure = wrk(server.url + path, headers, args.seconds, args.connections, report)
                print(line(label, figure, baseline), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    args.workers = [int(w) for w in args.workers.split(",")]
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: install Debian's wrk package (scripts/ensure-system.sh does)")
    with tempfile.TemporaryDirectory(prefix="hearth-front-door-") as tmp:
        base = Path(tmp)
        broker = start_mosquitto(base / "mosquitto")
        try:
            for database in args.databases.split(","):
                directory = base / database
                directory.mkdir()
                if database == "sqlite":
                    url = f"sqlite+aiosqlite:///{directory / 'hearth.db'}"
                    measure_database("SQLite", url, broker.url, args, directory)
                else:
                    with run_postgres() as postgres:
                        postgres.psql("CREATE DATABASE bench")
                        url = postgres.url("bench")
                        measure_database("PostgreSQL", url, broker.url, args, directory)
        finally:
            stop_mosquitto(broker)


if __name__ == "__main__":
    main()
