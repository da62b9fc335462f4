"""``hearth broker``: make an external broker enforce hearth's device rules.

``mosquitto`` writes Mosquitto's password file, ACL files and a configuration include,
and with ``--watch`` keeps them current, reloading Mosquitto after every change (run it
next to the broker, or set ``mosquitto_dir`` so ``hearth serve`` does it). ``emqx-token``
prints the bearer token EMQX must send to hearth's HTTP hooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hearth import db
from hearth.cli.console import console, run
from hearth.config import load_settings
from hearth.hub.access import hook_token
from hearth.hub.mosquitto import MosquittoSync
from hearth.hub.operator import service_address

app = typer.Typer(
    help="External brokers: Mosquitto files, the EMQX hook token.", no_args_is_help=True
)


@app.command("mosquitto")
def mosquitto(
    directory: Annotated[Path, typer.Option("--dir", help="where to write the files")],
    device_listener: Annotated[
        str | None,
        typer.Option(
            help="the devices' listener: 'PORT' (every address) or 'PORT ADDRESS'; "
            "default: mosquitto_device_listener"
        ),
    ] = None,
    service_listener: Annotated[
        str | None,
        typer.Option(
            help="hearth's own listener, 'PORT ADDRESS'; default: mqtt_url's port on 127.0.0.1"
        ),
    ] = None,
    pid_file: Annotated[
        Path | None, typer.Option(help="Mosquitto's pid_file, to reload it")
    ] = None,
    watch: Annotated[bool, typer.Option(help="keep the files current until stopped")] = False,
) -> None:
    """Write Mosquitto's password and ACL files (and reload it when they change)."""
    settings = load_settings()
    address = service_address(settings)

    async def work() -> Path:
        engine = db.create_engine(settings.resolved_database_url, pool=False)
        try:
            await db.check_schema(engine)
            sync = MosquittoSync(
                db.session_factory(engine),
                directory=directory,
                service_username=address.username or "",
                service_password=address.password or "",
                service_listener=service_listener or settings.resolved_mosquitto_service_listener,
                device_listener=device_listener or settings.mosquitto_device_listener,
                pid_file=pid_file,
            )
            config = sync.write_static()
            await sync.sync(force=True)
            if watch:
                console.print(f"watching for device changes; include {config} — Ctrl-C stops")
                await sync.run()
            return config
        finally:
            await engine.dispose()

    try:
        config = run(work())
    except KeyboardInterrupt:
        return
    console.print(
        f"[green]✓[/] wrote Mosquitto's files; add to mosquitto.conf: include_dir {config.parent}\n"
        "  (or append the file to it). It declares both of hearth's listeners, so "
        "mosquitto.conf must not use their ports for listeners of its own."
    )


@app.command("emqx-token")
def emqx_token() -> None:
    """Print the bearer token EMQX sends to /api/v1/broker/emqx/auth and /acl."""
    console.print(hook_token(load_settings().secret))
