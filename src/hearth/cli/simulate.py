"""``hearth simulate``: a fleet of virtual devices on real connections with real credentials.

Without ``--fleet`` it mints the devices first (spread over the chosen products, by
default the whole built-in library) and saves their credentials to a CSV, so the same
fleet can come back later with ``--fleet``. ``--owner`` pairs them with a home of that
user. A progress bar shows the fleet connecting; Ctrl-C stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hearth.cli.console import console, fail, run
from hearth.config import Settings, load_settings
from hearth.devices import library
from hearth.devices.compiled import CompiledSpec
from hearth.errors import InvalidInput
from hearth.homes.binding import bind_all
from hearth.homes.service import home_of
from hearth.hub import catalog, identity
from hearth.hub.models import DeviceModel
from hearth.hub.operator import (
    Announcer,
    ensure_products,
    fleet_credentials,
    load_spec_files,
    mint_fleet,
    unit_for,
    write_secret_file,
)
from hearth.hub.simulator import Credentials, Fleet, SimulatedDevice, read_fleet
from hearth.kit.clock import SystemClock


def device_address(settings: Settings, broker: str | None) -> tuple[str, int]:
    """Where devices connect: ``--broker`` if given, else the embedded broker."""
    if broker:
        host, _, port = broker.rpartition(":")
        if not port.isdigit():
            raise InvalidInput("--broker is HOST:PORT, such as 127.0.0.1:1883")
        return host or "127.0.0.1", int(port)
    if not settings.uses_embedded_broker:
        raise InvalidInput("with an external broker, say where devices connect: --broker HOST:PORT")
    return settings.embedded_mqtt_host, settings.embedded_mqtt_port


async def prepare(
    settings: Settings,
    *,
    count: int,
    products: list[str],
    spec_files: list[Path],
    owner: str | None,
    home: str,
    fleet: Path,
    reuse: bool,
) -> tuple[list[Credentials], dict[str, CompiledSpec]]:
    """Mint (or reload) the fleet, pair it if asked, and compile the specs it needs."""
    extra = load_spec_files(spec_files)
    now = SystemClock().now()
    # Running hearth processes learn of the new units and pairings after the commit.
    async with unit_for(settings, Announcer(settings)) as session:
        await ensure_products(session, extra, now=now)
        if reuse:
            credentials = read_fleet(fleet)
        else:
            chosen = products or [s.model for s in extra] or library.models()
            units = await mint_fleet(session, products=chosen, count=count, now=now)
            if owner:
                user, place = await home_of(session, username=owner, name=home, now=now)
                await bind_all(session, user=user, home=place, units=units, now=now)
            write_secret_file(fleet, identity.factory_csv(units))
            credentials = fleet_credentials(units)
        specs: dict[str, CompiledSpec] = {}
        for model_id in {c.model_id for c in credentials}:
            row = await session.get(DeviceModel, model_id)
            if row is None:
                raise InvalidInput(f"the fleet uses {model_id}, which this database lacks")
            specs[model_id] = catalog.compile_model(row)
    return credentials, specs


def build_fleet(
    credentials: list[Credentials],
    specs: dict[str, CompiledSpec],
    *,
    host: str,
    port: int,
    report_every: float,
    seed: int | None = None,
) -> Fleet:
    rng = random.Random(seed)
    return Fleet(
        SimulatedDevice(
            c,
            specs[c.model_id],
            host=host,
            port=port,
            report_every=report_every,
            rng=random.Random(rng.random()),
        )
        for c in credentials
    )


async def _run(fleet: Fleet, duration: float | None) -> None:
    with Progress(
        TextColumn("connecting devices"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("connect", total=len(fleet.devices))
        started = time.perf_counter()
        connected = await fleet.start(
            progress=lambda done, _total: progress.update(task, completed=done)
        )
    seconds = time.perf_counter() - started
    console.print(
        f"[green]✓[/] {connected}/{len(fleet.devices)} devices connected in {seconds:.1f} s"
    )
    console.print(
        "reporting; Ctrl-C stops" if duration is None else f"reporting for {duration:g} s"
    )
    try:
        deadline = None if duration is None else time.monotonic() + duration
        while deadline is None or time.monotonic() < deadline:
            await asyncio.sleep(
                5 if deadline is None else min(5, max(deadline - time.monotonic(), 0))
            )
            commands = sum(d.commands for d in fleet.devices)
            console.print(
                f"  {fleet.connected} connected · {sum(d.seq for d in fleet.devices)} messages sent"
                f" · {commands} commands answered"
            )
    finally:
        await fleet.stop()


def simulate(
    devices: Annotated[int, typer.Option("--devices", "-n", help="how many devices")] = 10,
    product: Annotated[
        list[str] | None, typer.Option(help="model id to simulate (repeat); default: the library")
    ] = None,
    spec_file: Annotated[
        list[Path] | None, typer.Option(help="native spec file to simulate (repeat)")
    ] = None,
    owner: Annotated[
        str | None, typer.Option(help="pair the devices with this user's home")
    ] = None,
    home: Annotated[str, typer.Option(help="name of that home")] = "Simulated home",
    fleet: Annotated[
        Path | None, typer.Option(help="fleet CSV: reused if it exists, else written")
    ] = None,
    broker: Annotated[str | None, typer.Option(help="HOST:PORT devices connect to")] = None,
    report_every: Annotated[float, typer.Option(help="seconds between reports")] = 5.0,
    duration: Annotated[float | None, typer.Option(help="stop after this many seconds")] = None,
) -> None:
    """Run N virtual devices that report, fire events and obey commands."""
    settings = load_settings()
    if not 1 <= devices <= 100_000:
        raise typer.BadParameter("1-100000 devices", param_hint="--devices")
    path = fleet or settings.data_dir / "simulator" / f"fleet-{int(time.time())}.csv"
    try:
        host, port = device_address(settings, broker)
    except InvalidInput as err:
        fail(err)
    credentials, specs = run(
        prepare(
            settings,
            count=devices,
            products=product or [],
            spec_files=spec_file or [],
            owner=owner,
            home=home,
            fleet=path,
            reuse=path.exists(),
        )
    )
    console.print(f"fleet of {len(credentials)} devices in {path}")
    built = build_fleet(credentials, specs, host=host, port=port, report_every=report_every)
    with contextlib.suppress(KeyboardInterrupt):
        run(_run(built, duration))
