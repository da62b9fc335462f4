"""``hearth devices``: mint units of a product for the factory, rotate secrets, revoke.

Secrets exist only in the CSV ``mint`` writes (readable by its owner only) and in the
devices; hearth keeps hashes. After each change the running hearth processes are told
(see ``hearth.hub.operator.Announcer``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hearth.cli.console import console, run
from hearth.config import load_settings
from hearth.hub import identity
from hearth.hub.operator import Announcer, ensure_products, unit_for, write_secret_file
from hearth.kit.clock import SystemClock

app = typer.Typer(help="Device units: mint, rotate secrets, revoke.", no_args_is_help=True)


def _told(delivered: bool | None) -> None:
    if delivered:
        console.print("  running hearth processes were told")
    else:
        console.print("  [dim]no running hearth answered; the change applies when one starts[/]")


@app.command("mint")
def mint(
    product: Annotated[str, typer.Option(help="model id, such as hearth.light.v1")],
    count: Annotated[int, typer.Option(help=f"how many units (1-{identity.MAX_MINT})")] = 1,
    out: Annotated[
        Path | None, typer.Option(help="factory CSV to write; default: <product>-<batch>.csv")
    ] = None,
) -> None:
    """Mint units: device ids, secrets and pairing codes, written to a CSV for the factory."""
    settings = load_settings()
    told = Announcer(settings)

    async def work() -> list[identity.Minted]:
        now = SystemClock().now()
        async with unit_for(settings, told) as session:
            await ensure_products(session, now=now)
            return await identity.mint(session, model_id=product, count=count, now=now)

    units = run(work())
    path = out or Path(f"{product}-{units[0].device_id[-8:]}.csv")
    write_secret_file(path, identity.factory_csv(units))
    console.print(f"[green]✓[/] minted {len(units)} × [bold]{product}[/] → {path} (mode 600)")
    _told(told.delivered)


@app.command("rotate")
def rotate(device_id: str) -> None:
    """Give a device a new secret and print it; the old one stops working."""
    settings = load_settings()
    told = Announcer(settings)

    async def work() -> str:
        async with unit_for(settings, told) as session:
            return await identity.rotate_secret(
                session, device_id=device_id, now=SystemClock().now()
            )

    secret = run(work())
    console.print(f"[green]✓[/] new secret for {device_id}: [bold]{secret}[/]")
    _told(told.delivered)


@app.command("revoke")
def revoke(device_id: str) -> None:
    """Revoke a device for good; it is dropped if connected."""
    settings = load_settings()
    told = Announcer(settings)

    async def work() -> None:
        async with unit_for(settings, told) as session:
            await identity.revoke(session, device_id=device_id, now=SystemClock().now())

    run(work())
    console.print(f"[green]✓[/] revoked {device_id}")
    _told(told.delivered)
