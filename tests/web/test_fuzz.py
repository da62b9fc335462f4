"""A fuzzer over the whole published contract: every operation of ``/api/openapi.json``,
as a fan, a partner member and an admin, must answer what the document says it answers.

Schemathesis generates requests from the document (valid ones, and invalid ones that the
server must refuse with a 4xx) and checks each answer: never a 5xx, a status the operation
declares, the declared content type, a body matching the declared schema. The server runs
for real (uvicorn on a free port, on SQLite and on PostgreSQL) with real accounts, tokens
and objects made through the services, so paths with ids also reach something that exists.

Hypothesis is derandomized (the same run every time, so a failure reproduces) and bounded:
``MAX_EXAMPLES`` per operation, actor and mode. Shrinking is off to keep the run short;
each failure prints the request as a curl command.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from hearth.accounts import service as accounts
from hearth.accounts.roles import Role
from hearth.bootstrap import Hearth
from hearth.community import comments, suggestions
from hearth.community.rules import PLATFORM_BOARD
from hearth.homes import rooms
from hearth.homes import service as homes
from hearth.kit.clock import SystemClock
from hearth.kit.ports import free_port
from hearth.mall.models import Partner
from hearth.outbox import unit_of_work
from hearth.web.app import create_app
from tests.conftest import make_settings
from tests.funding.world import make_world
from tests.helpers import create_account
from tests.servers import wait_for_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

# 141 operations x 3 actors x 2 modes (valid and invalid data), plus the runs with real ids:
# about 2,700 requests per database, in two to three minutes on a small machine.
MAX_EXAMPLES = 3
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]
# A request the contract allows may still fail on the state it meets (no such id, not
# yours, already done, a declined card, too many attempts), never on its shape: a 422 to
# valid data means the contract promises more than the server takes.
ACCEPTED = ["2xx", "401", "402", "403", "404", "409", "429"]
CONFIG = schemathesis.Config.from_dict(
    {"checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}}}
)
# Where what the server checks goes beyond what JSON Schema can say, a request the schema
# allows may still be refused with a 422 naming the field; each says why.
BEYOND_SCHEMA = {
    "POST /api/v1/device-models": "a spec's cross-references (iids, formats, ranges)",
    "POST /api/v1/products": "spec and MIoT documents, money in the product's currency",
    "PATCH /api/v1/products/{product_id}": "spec and MIoT documents, money in its currency",
    "POST /api/v1/partner/campaigns": "dates against each other and the clock, tier prices",
    "PATCH /api/v1/partner/campaigns/{campaign_id}": "dates against each other and the clock",
    "POST /api/v1/partner/campaigns/{campaign_id}/submit": "the draft's stored dates",
    "POST /api/v1/platform/launches/{campaign_id}/approve": "the launch's stored dates",
    "POST /api/v1/platform/launches/{campaign_id}/send-back": "comments are required",
    "POST /api/v1/partner/orders/tracking": "the rows of the CSV file",
    "POST /api/v1/homes/{home_id}/scenes": "devices, properties and values of the home",
    "PUT /api/v1/scenes/{scene_id}": "devices, properties and values of the home",
    "POST /api/v1/homes/{home_id}/automations": "devices, properties and values of the home",
    "PUT /api/v1/automations/{automation_id}": "devices, properties and values of the home",
    "POST /api/v1/devices/{device_id}/commands": "the device's spec: its properties and values",
    "POST /api/v1/products/{product_id}/images": "the uploaded file's content (an image)",
    "PUT /api/v1/store/logo": "the uploaded file's content (an image)",
    "POST /api/v1/homes/{home_id}/devices": "the pairing code's 16 symbols among its dashes",
    "POST /api/v1/homes/{home_id}/devices/add": "the pairing code's 16 symbols among its dashes",
    "GET /api/v1/community/boards/{board_id}/suggestions": "a category of the board's kind",
    "POST /api/v1/community/boards/{board_id}/suggestions": "a category of the board's kind",
    "POST /api/v1/community/boards/{board_id}/releases": "a free version, a date not ahead, "
    "cited suggestions of the board that may move to done",
    "POST /api/v1/community/suggestions/{suggestion_id}/images": "the uploaded files' content "
    "(images), at most 4 on a suggestion",
    "POST /api/v1/community/moderation/mutes": "hours or an end 1 hour to 30 days from now",
    "POST /api/v1/community/suggestions/{suggestion_id}/merge": "a target that is another "
    "suggestion of the same board, still taking votes",
    # JSON Schema's date-time has no bounds; each parameter's description states the years.
    "GET /api/v1/devices/{device_id}/history": "times within the years 1970-9000 (UTC)",
    "GET /api/v1/devices/{device_id}/chart": "times within the years 1970-9000 (UTC)",
    "GET /api/v1/ledger/report": "times within the years 1970-9000 (UTC)",
    "GET /api/v1/ledger/partners/{partner_id}/statement": "times within the years 1970-9000 (UTC)",
}
# The live stream answers for as long as the client listens: it is fuzzed with ids that
# match nothing (its 404, 401 and 422), never with the home that exists.
ENDLESS = {"/api/v1/homes/{home_id}/live"}


@dataclass
class Served:
    url: str
    tokens: dict[str, str]
    ids: dict[str, dict[str, str]]
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


async def _seed(runtime: Hearth) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Make a fan with a home and a card, a suggestion on hearth's board and a comment, a
    partner with a store, a product and a published campaign, and an admin; give each a
    bearer token."""
    now = SystemClock().now()
    world = await make_world(runtime.sessions)
    campaign = await world.campaign()
    fan, card = await world.fan("fuzz-fan")
    async with unit_of_work(runtime.sessions, runtime.publish) as session:
        admin = await create_account(session, "fuzz-admin", role=Role.ADMIN)
        home = await homes.create_home(session, owner=fan, name="Fuzz home", now=now)
        room = await rooms.create_room(session, user=fan, home_id=home.id, name="Kitchen", now=now)
        partner = await session.get(Partner, world.partner.partner_id)
        assert partner is not None
        said = await suggestions.post(
            session, user=fan, board_id=PLATFORM_BOARD, title="Fuzz", body="",
            category="feature", now=now,
        )  # fmt: skip
        remark = await comments.post(session, user=fan, suggestion_id=said.id, body="Fuzz", now=now)
        tokens: dict[str, str] = {}
        for name, user in (("fan", fan), ("partner", world.partner), ("admin", admin)):
            _, secret = await accounts.create_token(session, user=user, name="fuzz", now=now)
            tokens[name] = secret
    partner_ids = {
        "product_id": world.product_id,
        "campaign_id": campaign.id,
        "partner_id": partner.id,
        "slug": partner.slug,
    }
    community = {"board_id": PLATFORM_BOARD, "suggestion_id": said.id}
    partner_ids.update(community)
    fan_ids = {
        **community,
        "comment_id": remark.id,
        "home_id": home.id,
        "room_id": room.id,
        "campaign_id": campaign.id,
        "slug": partner.slug,
    }
    admin_ids = {**partner_ids}
    return tokens, {"fan": fan_ids, "partner": partner_ids, "admin": admin_ids}


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[Served]:
    """Run hearth behind uvicorn in a thread of its own, seeded with three actors."""
    port = free_port()
    ready = threading.Event()
    seeded: dict[str, Any] = {}
    server_box: dict[str, uvicorn.Server] = {}
    failed: list[BaseException] = []

    async def main() -> None:
        runtime = Hearth.from_settings(make_settings(tmp_path, database_url))
        await runtime.start()  # with its embedded broker, so that /healthz is healthy
        try:
            seeded["tokens"], seeded["ids"] = await _seed(runtime)
            config = uvicorn.Config(
                create_app(hearth=runtime),
                host="127.0.0.1",
                port=port,
                lifespan="off",
                log_level="warning",
                access_log=False,
            )
            server = uvicorn.Server(config)
            server_box["server"] = server
            ready.set()
            await server.serve()
        finally:
            await runtime.stop()

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # reported by the fixture, not lost in the thread
            failed.append(exc)
        finally:
            ready.set()

    thread = threading.Thread(target=run, name="fuzzed-hearth", daemon=True)
    thread.start()
    ready.wait(60)
    if failed:
        raise failed[0]
    wait_for_port(port, 30)
    try:
        yield Served(f"http://127.0.0.1:{port}", seeded["tokens"], seeded["ids"])
    finally:
        server_box["server"].should_exit = True
        thread.join(30)
        if failed:
            raise failed[0]


def _fuzz(
    served: Served,
    operation: schemathesis.APIOperation[Any, Any, Any, Any],
    actor: str,
    mode: schemathesis.GenerationMode,
    path_parameters: dict[str, str] | None,
    http: requests.Session,
) -> None:
    headers = {"Authorization": f"Bearer {served.tokens[actor]}"}
    strategy = operation.as_strategy(mode, path_parameters=path_parameters)
    checks = CHECKS
    if operation.label in BEYOND_SCHEMA:
        checks = [check for check in CHECKS if check is not positive_data_acceptance]

    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case[Any]) -> None:
        served.requests += 1
        case.call_and_validate(
            base_url=served.url, session=http, headers=headers, checks=checks, timeout=30
        )

    started = time.monotonic()
    try:
        check()
    except Unsatisfiable:
        pass  # no invalid request exists for it (an operation without parameters)
    except (Exception, BaseExceptionGroup) as exc:  # every operation runs; all are reported
        label = f"{operation.label} as {actor} ({mode.value}"
        label += ", real ids)" if path_parameters else ")"
        served.failures.append(f"{label}\n{exc}")
    finally:
        spent = time.monotonic() - started
        served.seconds[operation.label] = served.seconds.get(operation.label, 0.0) + spent


def test_every_operation_answers_as_its_contract_says_for_every_kind_of_caller(
    served: Served, record_property: Callable[[str, object], None]
) -> None:
    schema = schemathesis.openapi.from_url(f"{served.url}/api/openapi.json", config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) > 100
    with requests.Session() as http:
        for operation in operations:
            names = [p.name for p in operation.path_parameters]
            for actor in ("fan", "partner", "admin"):
                known = served.ids[actor]
                real = (
                    {name: known[name] for name in names}
                    if names
                    and all(name in known for name in names)
                    and operation.path not in ENDLESS
                    else None
                )
                for mode in schemathesis.GenerationMode:
                    _fuzz(served, operation, actor, mode, None, http)
                    if real is not None and mode is schemathesis.GenerationMode.POSITIVE:
                        _fuzz(served, operation, actor, mode, real, http)
    print(f"\nfuzzed {len(operations)} operations with {served.requests} requests")
    record_property("fuzzed_operations", len(operations))
    record_property("fuzzed_requests", served.requests)
    slowest = sorted(served.seconds.items(), key=lambda item: -item[1])[:5]
    print("slowest:", ", ".join(f"{label} {spent:.1f}s" for label, spent in slowest))
    assert not served.failures, f"{len(served.failures)} failures:\n\n" + "\n\n".join(
        served.failures
    )
