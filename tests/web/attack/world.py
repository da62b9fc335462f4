"""The attack matrix's world: the demo's people and objects, plus a second side for each.

Nine kinds of actor meet it: nobody signed in, the owner of a home and a member of it, the
owner of another home, a fan who backed campaigns, a member of the partner company that sells
them and a member of a rival company, a reviewer and an admin. The demo seeds most of what
they own (homes full of devices, products, campaigns with orders); the rest is made here the
way each person would make it, through the API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth import demo
from hearth.accounts.models import ApiToken, User
from hearth.accounts.roles import Role
from hearth.bootstrap import Hearth
from hearth.community.models import Comment
from hearth.funding.models import (
    BackerCard,
    Campaign,
    CampaignTier,
    Order,
    Pledge,
    StoreListing,
)
from hearth.homes.models import Home, Room
from hearth.hub import identity
from hearth.hub.models import Command, Device, DeviceModel
from hearth.hub.operator import ensure_products
from hearth.mail import queue
from hearth.mall.certification.models import CertificationRun
from hearth.mall.models import Partner, Product, ProductImage
from hearth.notifications.models import Notification
from hearth.outbox import unit_of_work
from hearth.payments.models import PaymentDoubt
from hearth.scenes.models import Automation, Scene, SceneRun
from hearth.web.app import create_app
from tests.helpers import PASSWORD, create_account

ANONYMOUS = "anonymous"
OWNER = "owner"  # owns home A (the demo fan)
MEMBER = "member"  # a member of home A
STRANGER = "stranger"  # owns home B
FAN = "fan"  # backed the partner's campaigns (a demo backer)
PARTNER = "partner"  # a member of the company that sells the demo products
RIVAL = "rival"  # a member of another company
REVIEWER = "reviewer"
ADMIN = "admin"
ACTORS = (ANONYMOUS, OWNER, MEMBER, STRANGER, FAN, PARTNER, RIVAL, REVIEWER, ADMIN)

# (actor, username, password): the demo's logins, and three people made here.
LOGINS = {
    OWNER: ("fan", "hearth-fan-demo"),
    FAN: ("backer1", "hearth-fan-demo"),
    PARTNER: ("partner", "hearth-partner-demo"),
    REVIEWER: ("reviewer", "hearth-reviewer-demo"),
    ADMIN: ("admin", "hearth-admin-demo"),
    MEMBER: ("member", PASSWORD),
    STRANGER: ("stranger", PASSWORD),
    RIVAL: ("rival", PASSWORD),
}
# The smallest PNG: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f1b6"
    "9b0000000049454e44ae426082"
)
ID = re.compile(r"\b[a-z]{2,3}_[0-9a-z]{26}\b")


@dataclass
class Credentials:
    """How an actor proves who they are: a session cookie for pages, a token for the API."""

    cookie: str | None = None
    token: str | None = None


@dataclass
class World:
    """The objects a rule's path names, and each actor's credentials."""

    ids: dict[str, str] = field(default_factory=dict)
    credentials: dict[str, Credentials] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)  # secrets that are not ids (tokens)
    documents: dict[str, Any] = field(default_factory=dict)  # bodies read back from the API

    def __getitem__(self, name: str) -> str:
        return self.ids[name] if name in self.ids else self.values[name]


def _client(hearth: Hearth) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(hearth=hearth))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def _csrf(http: httpx.AsyncClient) -> str:
    if "csrftoken" not in http.cookies:
        await http.get("/login")
    return str(http.cookies["csrftoken"])


async def _sign_in(hearth: Hearth, username: str, password: str) -> Credentials:
    """Log in as a browser does, then make an API token as the account page does."""
    async with _client(hearth) as http:
        headers = {"X-CSRFToken": await _csrf(http)}
        body = {"username": username, "password": password}
        response = await http.post("/api/v1/auth/login", json=body, headers=headers)
        assert response.status_code == 200, response.text
        headers = {"X-CSRFToken": str(http.cookies["csrftoken"])}  # bound to the new session
        made = await http.post("/api/v1/tokens", json={"name": "matrix"}, headers=headers)
        assert made.status_code == 201, made.text
        return Credentials(cookie=http.cookies["hearth_session"], token=made.json()["token"])


class _Api:
    """One actor's API client with its bearer token; every call must succeed."""

    def __init__(self, hearth: Hearth, token: str | None) -> None:
        self.http = _client(hearth)
        self.http.headers["Authorization"] = f"Bearer {token}"

    async def __call__(
        self,
        method: str,
        url: str,
        body: Any = None,
        status: int = 200,
        **options: Any,
    ) -> Any:
        response = await self.http.request(method, url, json=body, **options)
        assert response.status_code == status, (method, url, response.text)
        return response.json() if response.content else None


ADDRESS = {
    "name": "Mia Chen",
    "line1": "1 Long Street",
    "city": "Shenzhen",
    "postal_code": "518000",
    "country": "CN",
}


async def _link(hearth: Hearth, to: str) -> str:
    """Return the secret of the newest link mailed to ``to`` (still in the queue)."""
    async with hearth.sessions() as session:
        letters = list(await queue.pending(session, to=to))
    assert letters, f"no letter to {to}"
    return str(letters[-1].content["action_path"]).rsplit("/", 1)[-1]


async def _one(session: AsyncSession, statement: Any) -> str:
    found = await session.scalar(statement)
    assert found is not None, str(statement)
    return str(found)


async def build(hearth: Hearth) -> World:
    """Seed the demo into ``hearth``'s database, then add the rest of the world."""
    await demo.seed(hearth.settings)
    now = hearth.clock.now()
    async with unit_of_work(hearth.sessions, hearth.publish) as session:
        await create_account(session, "member")
        await create_account(session, "stranger")
        await create_account(session, "rival", role=Role.PARTNER, company="Rival Works")
        await ensure_products(session, now=now)
        unit, spare = await identity.mint(session, model_id="hearth.light.v1", count=2, now=now)
    world = World()
    for actor, (username, password) in LOGINS.items():
        world.credentials[actor] = await _sign_in(hearth, username, password)
    world.credentials[ANONYMOUS] = Credentials()
    api = {actor: _Api(hearth, c.token) for actor, c in world.credentials.items()}
    ids = world.ids
    async with hearth.sessions() as session:
        owner = await _one(session, select(User.id).where(User.username == "fan"))
        ids["home_a"] = await _one(
            session, select(Home.id).where(Home.owner_id == owner, Home.name == "Home")
        )
        ids["room_a"] = await _one(
            session, select(Room.id).where(Room.home_id == ids["home_a"]).limit(1)
        )
        ids["device_a"] = await _one(
            session,
            select(Device.id)
            .where(Device.home_id == ids["home_a"], Device.model_id == "hearth.light.v1")
            .limit(1),
        )
        ids["scene_a"] = await _one(
            session, select(Scene.id).where(Scene.home_id == ids["home_a"]).limit(1)
        )
        ids["automation_a"] = await _one(
            session, select(Automation.id).where(Automation.home_id == ids["home_a"]).limit(1)
        )
        lumi = await _one(session, select(Partner.id).where(Partner.slug == "lumi-labs"))
        ids["partner_p"] = lumi
        ids["applicant_p"] = await _one(
            session, select(Partner.id).where(Partner.slug == "nova-home")
        )
        ids["product_p"] = await _one(
            session, select(Product.id).where(Product.name == "Lumi Glow Lamp")
        )
        ids["product_p_review"] = await _one(
            session, select(Product.id).where(Product.name == "Lumi Motion Sensor")
        )
        ids["image_p"] = await _one(
            session,
            select(ProductImage.id).where(ProductImage.product_id == ids["product_p"]).limit(1),
        )
        ids["certification_p"] = await _one(session, select(CertificationRun.id).limit(1))
        ids["campaign_live"] = await _one(
            session, select(Campaign.id).where(Campaign.title == "Lumi Glow Mini")
        )
        ids["campaign_done"] = await _one(  # the partner's own (another store has one too)
            session, select(Campaign.id).where(Campaign.title == "Lumi Glow Lamp — first run")
        )
        backer = await _one(session, select(User.id).where(User.username == "backer1"))
        ids["pledge_fan"] = await _one(
            session,
            select(Pledge.id).where(
                Pledge.backer_id == backer, Pledge.campaign_id == ids["campaign_live"]
            ),
        )
        ids["order_fan"] = await _one(
            session,
            select(Order.id)
            .where(Order.backer_id == backer, Order.channel == "crowdfunding")
            .limit(1),
        )
        ids["card_fan"] = await _one(
            session, select(BackerCard.id).where(BackerCard.user_id == backer).limit(1)
        )
        tokens = select(ApiToken.id).join(User, User.id == ApiToken.user_id)
        for actor, (username, _) in LOGINS.items():
            ids[f"token_{actor}"] = await _one(session, tokens.where(User.username == username))
        ids["user_member"] = await _one(session, select(User.id).where(User.username == "member"))
        ids["tier_live"] = await _one(
            session,
            select(CampaignTier.id)
            .where(CampaignTier.campaign_id == ids["campaign_live"])
            .limit(1),
        )
        world.values["slug_p"] = "lumi-labs"
        world.values["builtin_model"] = "hearth.light.v1"
        world.values["pairing_code"] = spare.pairing_code
        ids["home_a2"] = await _one(
            session, select(Home.id).where(Home.owner_id == owner, Home.name != "Home")
        )
        ids["model_p"] = await _one(
            session, select(DeviceModel.id).where(DeviceModel.partner_id == lumi).limit(1)
        )

    # Home A gets a member, and invites the fan (by name) and anyone (by link).
    home_a = ids["home_a"]
    await api[OWNER]("POST", f"/api/v1/homes/{home_a}/invitations", {"username": "member"}, 201)
    (invited,) = await api[MEMBER]("GET", "/api/v1/invitations")
    await api[MEMBER]("POST", f"/api/v1/invitations/{invited['id']}/accept")
    made = await api[OWNER](
        "POST", f"/api/v1/homes/{home_a}/invitations", {"username": "backer1"}, 201
    )
    ids["invitation_a"] = made["id"]
    link = await api[OWNER]("POST", f"/api/v1/homes/{home_a}/invitations", {}, 201)
    ids["link_invitation_a"] = link["id"]
    world.values["join_token_a"] = link["link"].rstrip("/").rsplit("/", 1)[-1]

    # What home A's scene and automation say, to send back in edits.
    scene = await api[OWNER]("GET", f"/api/v1/scenes/{ids['scene_a']}")
    world.documents["scene"] = {"name": "Evening", "actions": scene["actions"]}
    rule = await api[OWNER]("GET", f"/api/v1/automations/{ids['automation_a']}")
    world.documents["automation"] = {
        key: rule[key] for key in ("mode", "triggers", "conditions", "actions")
    } | {"name": "Night watch"}

    # The stranger's own home, with a room and a lamp.
    home_b = (await api[STRANGER]("POST", "/api/v1/homes", {"name": "Stranger flat"}, 201))["id"]
    ids["home_b"] = home_b
    ids["room_b"] = (
        await api[STRANGER]("POST", f"/api/v1/homes/{home_b}/rooms", {"name": "Den"}, 201)
    )["id"]
    added = await api[STRANGER](
        "POST", f"/api/v1/homes/{home_b}/devices/add", {"pairing_code": unit.pairing_code}, 201
    )
    ids["device_b"] = added["device_id"] if "device_id" in added else added["id"]

    # The rival company drafts a product; the partner drafts a campaign and invites someone.
    ids["product_rival"] = (
        await api[RIVAL](
            "POST", "/api/v1/products", {"name": "Rival Fan", "category": "climate"}, 201
        )
    )["id"]
    draft = {
        "product_id": ids["product_p"],
        "title": "Lumi Glow Duo",
        "goal": "900.00",
        "starts_at": (now + timedelta(days=3)).isoformat(),
        "ends_at": (now + timedelta(days=20)).isoformat(),
        "delivery_date": (now + timedelta(days=80)).isoformat(),
        "tiers": [{"title": "Pair", "price": "199.00", "retail_price": "249.00"}],
    }
    ids["campaign_draft"] = (await api[PARTNER]("POST", "/api/v1/partner/campaigns", draft, 201))[
        "id"
    ]
    # A second draft, submitted: a launch waiting for the platform team's review.
    waiting = {**draft, "title": "Lumi Glow Trio"}
    ids["campaign_submitted"] = (
        await api[PARTNER]("POST", "/api/v1/partner/campaigns", waiting, 201)
    )["id"]
    await api[PARTNER]("POST", f"/api/v1/partner/campaigns/{ids['campaign_submitted']}/submit")
    draft_product = await api[PARTNER](
        "POST", "/api/v1/products", {"name": "Lumi Desk Lamp", "category": "lighting"}, 201
    )
    ids["product_p_draft"] = draft_product["id"]
    shot = {"image": ("desk.png", PNG, "image/png")}
    image = await api[PARTNER](
        "POST", f"/api/v1/products/{draft_product['id']}/images", status=201, files=shot
    )
    ids["image_p_draft"] = image["id"]
    (minted,) = await api[PARTNER](
        "POST", f"/api/v1/device-models/{ids['model_p']}/units", {"count": 1}, 201
    )
    ids["unit_p"] = minted["device_id"]
    card = await api[OWNER](
        "POST",
        "/api/v1/cards",
        {"token": "4242424242424242"},
        201,
        headers={"Idempotency-Key": "matrix-owner-card"},
    )
    ids["card_owner"] = card["id"]
    invitation = await api[PARTNER]("POST", "/api/v1/partner/invitations", {}, 201)
    ids["partner_invitation"] = invitation["id"]
    world.values["partner_join_token"] = invitation["token"]

    # The owner confirms an address, keeps a shipping address and asks for a reset link;
    # the member adds an address not confirmed yet. The links are read from the mail queue.
    await api[OWNER]("PUT", "/api/v1/me/email", {"email": "owner@example.com"})
    await api[OWNER](
        "POST", "/api/v1/auth/email/verify", {"token": await _link(hearth, "owner@example.com")}
    )
    await api[OWNER]("POST", "/api/v1/auth/password/forgot", {"email": "owner@example.com"}, 202)
    world.values["reset_token"] = await _link(hearth, "owner@example.com")
    await api[MEMBER]("PUT", "/api/v1/me/email", {"email": "member@example.com"})
    world.values["verify_token"] = await _link(hearth, "member@example.com")
    address = await api[OWNER]("POST", "/api/v1/me/addresses", ADDRESS, 201)
    ids["address_owner"] = address["id"]

    # Regular sale: the owner buys the partner's graduated lamp, which is shipped and
    # delivered, asks to return it, and has the lamp in the cart again.
    async with hearth.sessions() as session:
        ids["listing_p"] = await _one(
            session, select(StoreListing.id).where(StoreListing.partner_id == lumi).limit(1)
        )
    listing = await api[ANONYMOUS]("GET", f"/api/v1/listings/{ids['listing_p']}")
    ids["variant_p"] = listing["variants"][0]["id"]
    line = {"variant_id": ids["variant_p"], "quantity": 1}
    for store in (await api[OWNER]("GET", "/api/v1/cart"))["stores"]:  # the demo's cart
        for kept in store["lines"]:
            await api[OWNER]("DELETE", f"/api/v1/cart/lines/{kept['id']}", status=204)
    await api[OWNER]("POST", "/api/v1/cart/lines", line, 201)
    bought = await api[OWNER](
        "POST",
        "/api/v1/checkout",
        {"address_id": ids["address_owner"], "card_id": ids["card_owner"]},
        201,
        headers={"Idempotency-Key": "matrix-checkout"},
    )
    ids["checkout_owner"] = bought["id"]
    ids["order_sale"] = bought["stores"][0]["order_id"]
    tracking = f"order_id,carrier,tracking_number\n{ids['order_sale']},SF Express,SF70001\n"
    await api[PARTNER]("POST", "/api/v1/partner/orders/tracking", {"csv": tracking})
    await api[PARTNER]("POST", f"/api/v1/partner/orders/{ids['order_sale']}/delivered")
    asked = await api[OWNER](
        "POST",
        f"/api/v1/orders/{ids['order_sale']}/return",
        {"reason": "It is too bright."},
        201,
        headers={"Idempotency-Key": "matrix-return"},
    )
    ids["return_owner"] = asked["id"]
    ids["receipt_sale"] = ids["order_sale"]  # a store order's charge has its receipt too
    ids["cart_line_owner"] = (await api[OWNER]("POST", "/api/v1/cart/lines", line, 201))["id"]

    # The fan asks about their order.
    ticket = await api[FAN](
        "POST",
        f"/api/v1/orders/{ids['order_fan']}/tickets",
        {"subject": "Where is my lamp?", "body": "It has not arrived yet."},
        201,
    )
    ids["ticket_fan"] = ticket["id"]
    # The fan keeps a second card that no pledge uses, which may be removed; their order's
    # charge has a receipt (a receipt's id is its order's).
    spare = await api[FAN](
        "POST",
        "/api/v1/cards",
        {"token": "5555555555554444"},
        201,
        headers={"Idempotency-Key": "matrix-fan-spare"},
    )
    ids["card_fan_spare"] = spare["id"]
    ids["receipt_fan"] = ids["order_fan"]

    # The owner suggests something on the lamp's board and comments on it. The comment is
    # dated a day ahead so that its edit window stays open however long the matrix runs.
    made = await api[OWNER](
        "POST",
        f"/api/v1/community/boards/{ids['product_p']}/suggestions",
        {"title": "A warmer lamp", "body": "Candle light, please.", "category": "firmware"},
        201,
    )
    ids["suggestion_owner"] = made["id"]
    # ... and, confirming it is another, a second wording of it that its partner may merge.
    copy = await api[OWNER](
        "POST",
        f"/api/v1/community/boards/{ids['product_p']}/suggestions",
        {"title": "A warmer lamp", "category": "firmware", "confirm_distinct": True},
        201,
    )
    ids["suggestion_copy"] = copy["id"]
    said = await api[OWNER](
        "POST", f"/api/v1/community/suggestions/{made['id']}/comments", {"body": "Me too"}, 201
    )
    ids["comment_owner"] = said["id"]
    # The owner shows what they mean with an image; the lamp's partner has published 1.3.
    shown = await api[OWNER](
        "POST",
        f"/api/v1/community/suggestions/{made['id']}/images",
        files=[("images", ("lamp.png", PNG, "image/png"))],
        status=201,
    )
    ids["suggestion_image_owner"] = shown[0]["id"]
    await api[PARTNER](
        "POST",
        f"/api/v1/community/boards/{ids['product_p']}/releases",
        {"version": "1.3", "title": "Steadier light", "body": "Less flicker."},
        201,
    )
    async with unit_of_work(hearth.sessions, hearth.publish) as session:
        comment = await session.get(Comment, said["id"])
        assert comment is not None
        comment.created_at = now + timedelta(days=1)

    # The owner reviews the lamp of their delivered store order and asks about the live
    # campaign; the partner answers neither yet.
    review = await api[OWNER](
        "PUT",
        f"/api/v1/community/orders/{ids['order_sale']}/reviews/{ids['product_p']}",
        {"stars": 4, "title": "Lovely light"},
    )
    ids["review_owner"] = review["id"]
    question = await api[OWNER](
        "POST",
        f"/api/v1/community/campaigns/{ids['campaign_live']}/questions",
        {"question": "Does it ship to Germany?"},
        201,
    )
    ids["question_owner"] = question["id"]

    # A run of home A's automation and a command to its lamp, as the runner would record them.
    async with unit_of_work(hearth.sessions, hearth.publish) as session:
        automation = await session.get(Automation, ids["automation_a"])
        assert automation is not None
        run = SceneRun(
            home_id=home_a,
            automation_id=automation.id,
            status="succeeded",
            cause={"kind": "manual"},
            actions=[],
            started_at=now,
            updated_at=now,
        )
        command = Command(
            device_id=ids["device_a"],
            request_id="matrix",
            kind="set",
            payload={},
            status="succeeded",
            result={},
            created_at=now,
            deadline=now + timedelta(seconds=10),
        )
        session.add_all([run, command])
        await session.flush()
        ids["run_a"] = run.id
        ids["command_a"] = command.id
        for actor, (username, _) in LOGINS.items():
            found = await session.scalar(
                select(Notification.id)
                .join(User, User.id == Notification.user_id)
                .where(User.username == username)
                .limit(1)
            )
            if found:
                ids[f"notification_{actor}"] = found
        # A charge of the fan's pledge the provider never answered about, waiting for the
        # platform team.
        doubt = PaymentDoubt(
            subject="pledge",
            subject_id=ids["pledge_fan"],
            idempotency_key="matrix-doubt",
            call={
                "customer_id": "cus_matrix",
                "method_id": "pm_matrix",
                "amount": 19900,
                "currency": "CNY",
                "reference": ids["pledge_fan"],
                "capture": True,
                "off_session": True,
            },
            amount=19900,
            currency="CNY",
            state="review",
            asks=8,
            next_ask_at=now,
            answer="The provider did not answer in time.",
            created_at=now,
            updated_at=now,
        )
        session.add(doubt)
        await session.flush()
        ids["doubt_review"] = doubt.id

    # -- community moderation: the member reports the owner's suggestion (waiting in the
    # queue); the fan's suggestion on the lamp's board and their comment on the owner's were
    # hidden by the reviewer; the stranger is muted for a week.
    lamp_board = f"/api/v1/community/boards/{ids['product_p']}/suggestions"
    spam = {"title": "Warmer lamps cheap", "body": "At deals.example", "category": "feature"}
    ids["suggestion_hidden"] = (await api[FAN]("POST", lamp_board, spam, 201))["id"]
    said = await api[FAN](
        "POST",
        f"/api/v1/community/suggestions/{ids['suggestion_owner']}/comments",
        {"body": "Buy mine instead"},
        201,
    )
    ids["comment_hidden"] = said["id"]
    reported = await api[MEMBER](
        "POST",
        "/api/v1/community/reports",
        {"target_kind": "suggestion", "target_id": ids["suggestion_owner"], "reason": "off_topic"},
        201,
    )
    ids["report_member"] = reported["id"]
    for kind, hidden in (("suggestion", "suggestion_hidden"), ("comment", "comment_hidden")):
        await api[REVIEWER](
            "POST",
            f"/api/v1/community/moderation/items/{kind}/{ids[hidden]}/hide",
            {"reason": "Advertising."},
            201,
        )
    async with hearth.sessions() as session:
        stranger = await _one(session, select(User.id).where(User.username == "stranger"))
    muted = await api[REVIEWER](
        "POST",
        "/api/v1/community/moderation/mutes",
        {"user_id": stranger, "reason": "Adverts.", "hours": 168},
        201,
    )
    ids["mute_stranger"] = muted["id"]

    for client in api.values():
        await client.http.aclose()
    return world
