"""Fixtures shared by the whole suite.

Every test that asks for ``database_url`` (directly or through ``hearth`` or ``client``)
runs twice: on SQLite and on a real PostgreSQL that the suite starts itself. Each test
gets a fresh database cloned from a template migrated once per run.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from hearth import db
from hearth.bootstrap import Hearth
from hearth.config import Settings
from hearth.kit.ports import free_port
from hearth.web.app import create_app
from tests.servers import Mosquitto, Postgres, run_postgres, start_mosquitto, stop_mosquitto

TEST_SECRET = "test-secret-key-that-is-long-enough-for-hmac-signing"
_databases = itertools.count()


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep an operator's HEARTH_* variables and hearth.toml out of the tests."""
    for name in list(os.environ):
        if name.startswith("HEARTH_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HEARTH_CONFIG", str(tmp_path / "no-such-hearth.toml"))


async def _migrate(url: str) -> None:
    engine = db.create_engine(url, pool=False)
    try:
        await db.upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "hearth.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    with run_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_template(postgres: Postgres) -> str:
    postgres.psql("CREATE DATABASE hearth_template")
    asyncio.run(_migrate(postgres.url("hearth_template")))
    return "hearth_template"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database: SQLite file or PostgreSQL database."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "db" / "hearth.db"
        target.parent.mkdir()
        shutil.copy(template, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    server: Postgres = request.getfixturevalue("postgres")
    template_name: str = request.getfixturevalue("postgres_template")
    name = f"test_{os.getpid()}_{next(_databases)}"
    server.psql(f"CREATE DATABASE {name} TEMPLATE {template_name}")
    yield server.url(name)
    server.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def make_settings(tmp_path: Path, database_url: str, **overrides: object) -> Settings:
    """Settings for one test: its own data dir, database and free broker port."""
    values: dict[str, object] = {
        "data_dir": tmp_path / "var",
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "embedded_mqtt_port": free_port(),
        "login_max_failures": 5,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)


@pytest.fixture
async def hearth(settings: Settings) -> AsyncIterator[Hearth]:
    """A started hearth without MQTT (most tests need only the database)."""
    runtime = Hearth.from_settings(settings)
    try:
        await runtime.start(mqtt=False)
        yield runtime
    finally:
        await runtime.stop()


@pytest.fixture
async def client(hearth: Hearth) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the real app in-process."""
    app = create_app(hearth=hearth)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    """A real Mosquitto broker that accepts anonymous clients, on a free port."""
    broker = start_mosquitto(tmp_path / "mosquitto")
    try:
        yield broker
    finally:
        stop_mosquitto(broker)
