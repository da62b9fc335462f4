"""The attack matrix's rules and how one is tried.

A ``Rule`` names a route, the world's objects its path points at, a request a permitted actor
would send, and the actors who may use it. Trying it sends that request as every actor:
the others must be turned away (401, 403, 404, or to the log-in page) with nothing changed,
the permitted ones must get through, and no answer may carry an id its actor may not see.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.types import ASGIApp, Message

from tests.web.attack.world import ACTORS, ANONYMOUS, ID, World

Body = Mapping[str, Any] | list[Any] | Callable[[World], Any] | None
DENIED_API = frozenset({401, 403, 404})
DENIED_PAGE = frozenset({401, 403, 404})
PARAM = re.compile(r"{(\w+)}")
HEADINGS = re.compile(r"<(?:title|h1|p class=\"(?:error|notice)[^\"]*\")[^>]*>([^<]*)<")
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
# What a path parameter points at unless a rule says otherwise.
DEFAULT_ARGS = {
    "home_id": "home_a",
    "room_id": "room_a",
    "device_id": "device_a",
    "scene_id": "scene_a",
    "automation_id": "automation_a",
    "run_id": "run_a",
    "command_id": "command_a",
    "member_id": "user_member",
    "invitation_id": "invitation_a",
    "product_id": "product_p",
    "image_id": "image_p",
    "campaign_id": "campaign_live",
    "pledge_id": "pledge_fan",
    "order_id": "order_fan",
    "ticket_id": "ticket_fan",
    "partner_id": "partner_p",
    "notification_id": "notification_fan",
    "token_id": "token_owner",
    "slug": "slug_p",
    "model_id": "model_p",
    "address_id": "address_owner",
    "listing_id": "listing_p",
    "variant_id": "variant_p",
    "line_id": "cart_line_owner",
    "checkout_id": "checkout_owner",
    "return_id": "return_owner",
    "receipt_id": "receipt_fan",
    "card_id": "card_fan_spare",
    "board_id": "product_p",
    "suggestion_id": "suggestion_owner",
    "comment_id": "comment_owner",
}


@dataclass(frozen=True)
class Rule:
    """Who may use one route, tried against one object."""

    method: str
    path: str
    may: frozenset[str]
    args: Mapping[str, str] = field(default_factory=dict)
    json: Body = None
    form: Body = None
    files: Mapping[str, tuple[str, bytes, str]] | None = None
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    ok: frozenset[int] = frozenset()  # what a permitted actor gets, if not 2xx or 3xx
    refused: Mapping[str, int] = field(default_factory=dict)  # actors a rule of the product stops
    stream: bool = False  # server-sent events: only the status is read
    reveals: frozenset[str] = frozenset()  # objects a permitted write lets its actor see
    note: str = ""  # a second look at a route already in the table: what differs

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def writes(self) -> bool:
        return self.method not in ("GET", "HEAD")

    def url(self, world: World) -> str:
        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            return value(world, self.args.get(name, DEFAULT_ARGS.get(name, name)))

        return PARAM.sub(fill, self.path)

    def params(self, world: World) -> dict[str, str]:
        """The query: text as written, ``@name`` for a world object's id."""
        return {
            name: world[given[1:]] if given.startswith("@") else given
            for name, given in self.query.items()
        }

    def denied(self, actor: str) -> bool:
        return actor not in self.may and actor not in self.refused


def value(world: World, given: str) -> str:
    """Read an argument: ``=text`` is the text itself, a name is the world's object."""
    return given[1:] if given.startswith("=") else world[given]


def rule(method: str, path: str, may: Iterable[str], /, **options: Any) -> Rule:
    """Write a rule: ``rule("GET", "/api/v1/homes/{home_id}", HOME_A)``."""
    for name in ("ok", "reveals"):
        if name in options:
            options[name] = frozenset(options[name])
    return Rule(method, path, frozenset(may), **options)


@dataclass
class Answer:
    status: int
    text: str
    location: str = ""

    @property
    def brief(self) -> str:
        """What the answer says, in a line: a page's title and heading, or the body."""
        if self.location:
            return f"to {self.location}"
        if self.text.lstrip().startswith("<"):
            found = [m.group(1).strip() for m in HEADINGS.finditer(self.text)]
            return " / ".join(found[:3])
        return self.text[:300]


async def _first_status(app: ASGIApp, scope: dict[str, Any]) -> Answer:
    """Start a streaming request and read only its status (and a refusal's body)."""
    started: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
    body: list[bytes] = []
    done = asyncio.Event()

    async def receive() -> Message:
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start" and not started.done():
            started.set_result(message)
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))
            if not message.get("more_body"):
                done.set()

    async def call() -> None:
        await app(scope, receive, send)

    task = asyncio.create_task(call())
    try:
        message = await asyncio.wait_for(started, 10)
        if message["status"] >= 400:
            await asyncio.wait_for(done.wait(), 10)
    finally:
        done.set()  # the client goes away: a stream ends itself and closes what it holds
        try:
            await asyncio.wait_for(task, 10)
        except Exception:  # noqa: BLE001 - a stream cut off is not what this test judges
            pass
    return Answer(message["status"], b"".join(body).decode(errors="replace"))


async def send(
    app: ASGIApp, http: httpx.AsyncClient, rule: Rule, world: World, actor: str
) -> tuple[Answer, str]:
    """Send ``rule``'s request as ``actor``; return the answer and what the request said."""
    url = rule.url(world)
    credentials = world.credentials[actor]
    headers = dict(rule.headers)
    cookies: dict[str, str] = {}
    if rule.api and credentials.token:
        headers["Authorization"] = f"Bearer {credentials.token}"
    elif credentials.cookie:
        cookies["hearth_session"] = credentials.cookie
    json = rule.json(world) if callable(rule.json) else rule.json
    form: dict[str, Any] | None = dict(rule.form(world) if callable(rule.form) else rule.form or {})
    if rule.form is None:
        form = None
    said = " ".join([url, *_texts(json), *_texts(form), *rule.params(world).values()])
    if rule.stream:
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        if cookie:
            raw.append((b"cookie", cookie.encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": rule.method,
            "scheme": "http",
            "path": url,
            "raw_path": url.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver"), *raw],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        return await _first_status(app, scope), said
    http.cookies.clear()
    if rule.writes and not (rule.api and credentials.token):
        # A browser's form or script sends the CSRF token of the page it came from.
        for name, secret in cookies.items():
            http.cookies.set(name, secret)
        page = await http.get("/stores")
        found = CSRF_META.search(page.text)
        token = found.group(1) if found else str(http.cookies.get("csrftoken", ""))
        headers["X-CSRFToken"] = token
        if form is not None:
            form = {**form, "csrftoken": token}
    for name, secret in cookies.items():
        http.cookies.set(name, secret)
    response = await http.request(
        rule.method,
        url,
        json=json,
        data=form,
        files=rule.files,
        params=rule.params(world),
        headers=headers,
    )
    return Answer(response.status_code, response.text, response.headers.get("location", "")), said


def _texts(value: Any) -> list[str]:
    """Every string in a request body, so ids the caller sent are not counted as shown."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _texts(item)]
    return []


def turned_away(rule: Rule, actor: str, answer: Answer) -> bool:
    """Tell whether ``answer`` refuses ``actor`` the way hearth refuses.

    A page may also send someone elsewhere (nobody to the log-in page, a person to their own
    console); that the data stayed unchanged and nothing leaked is checked apart."""
    if actor in rule.refused:
        return answer.status == rule.refused[actor]
    if rule.api:
        return answer.status in DENIED_API
    if answer.status in DENIED_PAGE:
        return True
    if answer.status in (302, 303):
        return actor != ANONYMOUS or answer.location.startswith("/login")
    return False


def let_through(rule: Rule, answer: Answer) -> bool:
    if rule.ok:
        return answer.status in rule.ok
    return 200 <= answer.status < 400 and not answer.location.startswith("/login")


def leaks(
    answer: Answer, said: str, actor: str, visible: Mapping[str, frozenset[str]]
) -> list[str]:
    """Return the ids in ``answer`` that ``actor`` may not see and did not send."""
    found = set(ID.findall(answer.text + answer.location)) - set(ID.findall(said))
    return sorted(i for i in found if i in visible and actor not in visible[i])


__all__ = ["ACTORS", "Rule", "rule", "send", "turned_away", "let_through", "leaks"]
