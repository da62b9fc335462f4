"""``hearth``: serve, run the demo, migrate the database, manage users, work with specs."""

from __future__ import annotations

import getpass
import importlib
import os
from typing import TYPE_CHECKING, Annotated

import typer
import typer.main
from typer.core import TyperGroup

from hearth import __version__
from hearth.accounts.roles import Role
from hearth.cli.console import console, fail, run
from hearth.errors import ConfigError, HearthError, InvalidInput

if TYPE_CHECKING:
    from typer._click import Command, Context

    from hearth.config import Settings

# Commands that live in modules of their own, by name: "module:attribute", where the
# attribute is a Typer app (a group of commands) or a function (one command). A module is
# imported only when its command runs or help lists it, so `hearth spec` does not load the
# database layer that `hearth campaigns` needs.
LAZY = {
    "ledger": "hearth.cli.ledger:app",
    "spec": "hearth.cli.spec:app",
    "devices": "hearth.cli.devices:app",
    "scenes": "hearth.cli.scenes:app",
    "broker": "hearth.cli.broker:app",
    "campaigns": "hearth.cli.campaigns:app",
    "simulate": "hearth.cli.simulate:simulate",
    "certify": "hearth.cli.certify:certify",
}
# The commands above that work on files alone. Every other one may open the database,
# whose mapped classes are usable only once every table is known.
WITHOUT_DATABASE = {"spec", "certify"}


class LazyGroup(TyperGroup):
    """The root group: its own commands, and those of `LAZY` loaded when first asked for."""

    def list_commands(self, ctx: Context) -> list[str]:
        return [*super().list_commands(ctx), *LAZY]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in LAZY:
            return super().get_command(ctx, cmd_name)
        if cmd_name not in WITHOUT_DATABASE:
            from hearth.models import load_all

            load_all()
        module, attribute = LAZY[cmd_name].split(":")
        target = getattr(importlib.import_module(module), attribute)
        if not isinstance(target, typer.Typer):
            single = typer.Typer()
            single.command(cmd_name)(target)
            target = single
        command = typer.main.get_command(target)
        command.name = cmd_name
        return command


app = typer.Typer(
    cls=LazyGroup,
    name="hearth",
    help="hearth: one home app for every compatible device, and a crowdfunding mall.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")


def _settings(**overrides: object) -> Settings:
    from hearth.config import load_settings

    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ConfigError as err:
        fail(err)


def version_callback(value: bool) -> None:
    if value:
        console.print(f"hearth {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True)
    ] = False,
) -> None:
    """hearth command line."""


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    from hearth.services import migrate

    settings = _settings()
    before, after = run(migrate(settings))
    if before == after:
        console.print(f"[green]✓[/] database already at the newest schema ({after})")
    else:
        console.print(f"[green]✓[/] database migrated: {before or 'empty'} → {after}")


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[Role, typer.Option(help="fan, partner, reviewer or admin")] = Role.FAN,
    partner: Annotated[
        str | None, typer.Option(help="partner company (for the partner role)")
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(help="password; prompted for when omitted", envvar="HEARTH_NEW_PASSWORD"),
    ] = None,
    display_name: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create a user account with a role."""
    from hearth.services import create_user

    if password is None:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            fail(InvalidInput("the two passwords differ"))
    user = run(
        create_user(
            _settings(),
            username=username,
            password=password,
            role=role,
            partner_name=partner,
            display_name=display_name,
        )
    )
    console.print(f"[green]✓[/] created {user.role} [bold]{user.username}[/] ({user.id})")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port")] = None,
    workers: Annotated[int | None, typer.Option(help="HTTP worker processes")] = None,
    background: Annotated[
        bool | None,
        typer.Option(
            "--background/--no-background",
            help="also run the background work here (default); --no-background serves only, "
            "beside `hearth worker` processes",
        ),
    ] = None,
) -> None:
    """Serve the web app and API (and the embedded broker when no broker URL is set)."""
    from hearth.services import check_ready

    settings = _settings(http_host=host, http_port=port, workers=workers, background=background)
    if not settings.background and settings.uses_embedded_broker:
        fail(
            ConfigError(
                "a process without background work needs an external broker (set "
                "HEARTH_MQTT_URL): the embedded broker and the device traffic live together"
            )
        )
    run(check_ready(settings))
    _serve(settings)


@app.command()
def worker() -> None:
    """Run the background work without HTTP: device ingest and upkeep, scenes, deadlines."""
    from hearth.logs import configure_logging
    from hearth.services import check_ready, run_worker

    settings = _settings(background=True)
    configure_logging(settings.log_level, settings.log_format)
    run(check_ready(settings))
    run(run_worker(settings))


@app.command()
def demo(
    port: Annotated[int | None, typer.Option(help="HTTP port")] = None,
) -> None:
    """Migrate, seed demo data, and serve with the demo logins printed."""
    from hearth.demo import DEMO_LOGINS, seed
    from hearth.logs import configure_logging
    from hearth.mail.transport import build_mailer
    from hearth.services import migrate

    settings = _settings(http_port=port)
    # Before seeding: what the seed's processes log is formatted like the server's lines.
    configure_logging(settings.log_level, settings.log_format)
    run(migrate(settings))
    run(seed(settings))
    # The demo homes' simulated devices run inside the server (see hearth.homes.demo).
    os.environ["HEARTH_SIMULATE_FLEET"] = str(settings.data_dir / "demo-fleet.csv")
    url = f"http://{settings.http_host}:{settings.http_port}"
    console.rule("[bold]hearth demo")
    console.print(f"Open [bold cyan]{url}[/] and log in as:")
    for role, username, password in DEMO_LOGINS:
        console.print(f"  {role:<16} [bold]{username}[/] / {password}")
    console.print(f"API docs: {url}/api/docs · Data in {settings.data_dir.resolve()}")
    console.print(
        f"Mail (password resets, notifications) goes to {build_mailer(settings).describe}"
    )
    console.print("Press Ctrl-C to stop.")
    console.rule()
    _serve(settings)


def _serve(settings: Settings) -> None:
    from hearth.logs import configure_logging
    from hearth.web import server

    if settings.workers > 1 and settings.uses_embedded_broker:
        fail(
            ConfigError(
                "several workers need an external broker (set HEARTH_MQTT_URL): "
                "the embedded broker lives inside one process"
            )
        )
    configure_logging(settings.log_level, settings.log_format)
    # Workers rebuild settings from the environment, so pass the overrides through it.
    os.environ["HEARTH_HTTP_HOST"] = settings.http_host
    os.environ["HEARTH_HTTP_PORT"] = str(settings.http_port)
    os.environ["HEARTH_BACKGROUND"] = "true" if settings.background else "false"
    try:
        server.run(
            "hearth.web.main:build",
            host=settings.http_host,
            port=settings.http_port,
            workers=settings.workers,
        )
    except HearthError as err:
        fail(err)


if __name__ == "__main__":  # pragma: no cover
    app()
