"""The attack matrix: every route, as every kind of actor, against real objects.

For each route of the app there is one rule in ``table.py``. The rule's request is sent as
all nine actors against a copy of one seeded world: whoever the rule does not name must be
turned away with the data unchanged, whoever it names must get through, and no answer may
carry the id of an object its actor may not see. It runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute
from starlette.routing import Route
from starlette.types import ASGIApp

from hearth.bootstrap import Hearth
from hearth.web.app import ROUTERS, create_app
from tests.conftest import make_settings
from tests.servers import Postgres
from tests.web.attack import oracle, world
from tests.web.attack.matrix import Rule, leaks, let_through, send, turned_away
from tests.web.attack.table import RULES, SECOND_LOOKS

_copies = itertools.count()


def _routes() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for router, prefix in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute | Route) and route.methods:
                found.update((m, prefix + route.path) for m in route.methods - {"HEAD"})
    return found


def test_every_route_has_exactly_one_rule() -> None:
    keys = [r.key for r in RULES]
    twice = {key for key in keys if keys.count(key) > 1}
    assert not twice, f"routes with more than one rule: {sorted(twice)}"
    missing = _routes() - set(keys)
    assert not missing, f"routes that say nobody who may use them: {sorted(missing)}"
    stale = set(keys) - _routes()
    assert not stale, f"rules for routes that do not exist: {sorted(stale)}"


@dataclass
class Template:
    """A seeded world in a database that each rule copies."""

    kind: str
    location: str  # a SQLite file, or a PostgreSQL template database's name
    data_dir: Path
    world: world.World
    visible: dict[str, frozenset[str]]
    postgres: Postgres | None = None


async def _seed(tmp: Path, url: str) -> tuple[world.World, dict[str, frozenset[str]]]:
    runtime = Hearth.from_settings(make_settings(tmp, url))
    await runtime.start(mqtt=False)
    try:
        seeded = await world.build(runtime)
        usernames = {actor: login[0] for actor, login in world.LOGINS.items()}
        async with runtime.sessions() as session:
            visible = await oracle.visibility(session, usernames)
    finally:
        await runtime.stop()
        await runtime.engine.dispose()
    return seeded, visible


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Template:
    tmp = tmp_path_factory.mktemp(f"matrix-{request.param}")
    if request.param == "sqlite":
        source: Path = request.getfixturevalue("sqlite_template")
        target = tmp / "world.db"
        shutil.copy(source, target)
        seeded, visible = asyncio.run(_seed(tmp, f"sqlite+aiosqlite:///{target}"))
        return Template("sqlite", str(target), tmp / "var", seeded, visible)
    server: Postgres = request.getfixturevalue("postgres")
    base: str = request.getfixturevalue("postgres_template")
    name = f"matrix_world_{os.getpid()}"
    server.psql(f"CREATE DATABASE {name} TEMPLATE {base}")
    seeded, visible = asyncio.run(_seed(tmp, server.url(name)))
    return Template("postgres", name, tmp / "var", seeded, visible, server)


@dataclass
class Stage:
    hearth: Hearth
    app: ASGIApp
    http: httpx.AsyncClient


@asynccontextmanager
async def _stage(template: Template, tmp: Path) -> AsyncIterator[Stage]:
    """A fresh copy of the world with a hearth serving it."""
    number = next(_copies)
    if template.postgres is None:
        target = tmp / f"copy{number}.db"
        shutil.copy(template.location, target)
        url = f"sqlite+aiosqlite:///{target}"
    else:
        name = f"{template.location}_{number}"
        template.postgres.psql(f"CREATE DATABASE {name} TEMPLATE {template.location}")
        url = template.postgres.url(name)
    # Each copy has its own uploads: a permitted write may replace or delete a file.
    data_dir = tmp / f"var{number}"
    shutil.copytree(template.data_dir, data_dir)
    settings = make_settings(tmp, url, data_dir=data_dir)
    runtime = Hearth.from_settings(settings)
    await runtime.start(mqtt=False)
    app = create_app(hearth=runtime)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield Stage(runtime, app, http)
    finally:
        await runtime.stop()
        await runtime.engine.dispose()
        if template.postgres is not None:
            template.postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _ids(rules: list[Rule]) -> Iterator[str]:
    for r in rules:
        yield f"{r.method} {r.path}" + (f" ({r.note})" if r.note else "")


# Every route once, then second looks at some of them against other objects.
CASES = RULES + SECOND_LOOKS


@pytest.mark.parametrize("case", CASES, ids=list(_ids(CASES)))
async def test_route_lets_in_only_whom_its_rule_names(
    case: Rule, template: Template, tmp_path: Path
) -> None:
    problems: list[str] = []
    refused = [a for a in world.ACTORS if a not in case.may]
    async with _stage(template, tmp_path) as stage:
        before = await oracle.fingerprint(stage.hearth.engine)
        for actor in refused:
            problems.extend(await _turn_away(stage, case, template, actor))
        changed = oracle.changes(before, await oracle.fingerprint(stage.hearth.engine))
        if not case.writes:  # a read changes nothing: every permitted actor reads this copy
            for actor in sorted(case.may):
                problems.extend(await _let_in(stage, case, template, actor))
    if changed:  # name who changed what, each on a copy of their own
        for actor in refused:
            async with _stage(template, tmp_path) as stage:
                await _turn_away(stage, case, template, actor)
                after = await oracle.fingerprint(stage.hearth.engine)
                if tables := oracle.changes(before, after):
                    problems.append(f"{actor} was refused but changed {tables}")
    if case.writes:  # each permitted actor writes to a fresh copy
        for actor in sorted(case.may):
            async with _stage(template, tmp_path) as stage:
                problems.extend(await _let_in(stage, case, template, actor))
    assert not problems, "\n".join(problems)


async def _turn_away(stage: Stage, case: Rule, template: Template, actor: str) -> list[str]:
    answer, said = await send(stage.app, stage.http, case, template.world, actor)
    problems = []
    if not turned_away(case, actor, answer):
        problems.append(f"{actor} got {answer.status}: {answer.brief}")
    if found := leaks(answer, said, actor, template.visible):
        problems.append(f"{actor} was shown {found}")
    return problems


async def _let_in(stage: Stage, case: Rule, template: Template, actor: str) -> list[str]:
    answer, said = await send(stage.app, stage.http, case, template.world, actor)
    said = " ".join([said, *(template.world[name] for name in case.reveals)])
    problems = []
    if not let_through(case, answer):
        problems.append(f"{actor} may but got {answer.status}: {answer.brief}")
    if found := leaks(answer, said, actor, template.visible):
        problems.append(f"{actor} was shown {found}")
    return problems
