"""A product's public page: everything the mall tells about one product, in one read.

It lives here, in the top area, because it gathers what several areas hold: the product,
its photos, its store and its certification (the mall), its campaigns and its regular
sale (crowdfunding), and what it could work with among the viewer's own devices, scenes
and automations (homes and scenes). Anyone may read it, signed in or not; only products
on show in the mall have one (``products.public_product``), so a draft or a product in
review is ``NotFound`` to everyone here, its own partner included (they preview it in
their console).

"Works with" is kept simple and honest: a device of the viewer's shares a capability with
the product when a functional property of both is about the same thing (the short name of
its type, ``temperature``, ``on``); a scene or automation could use the product when it
reads or sets such a property of one of the viewer's devices. Nothing is claimed about
what the product would do in that rule: the page says which capability they share.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.devices import words
from hearth.devices.spec import Spec
from hearth.errors import NotFound
from hearth.funding import campaigns
from hearth.funding.campaigns import CampaignView
from hearth.funding.models import StoreListing
from hearth.funding.rules import PUBLIC_STATES, CampaignState
from hearth.homes.models import DevicePlacement, Home, HomeMember
from hearth.hub.models import Device, DeviceModel
from hearth.mall import media, products
from hearth.mall.certification import service as certification
from hearth.mall.certification.models import CertificationRun
from hearth.mall.models import Partner, Product
from hearth.scenes.models import Automation, Scene

# Campaigns a product page lists: every published one but those called off.
# Launched campaigns only: a launch under review or sent back is not the public's yet.
SHOWN = tuple(s for s in PUBLIC_STATES if s != CampaignState.CANCELLED)
MAX_MATCHES = 20  # of devices, and of scenes and automations, listed


@dataclass(frozen=True)
class DeviceMatch:
    """One of the viewer's devices that shares capabilities with the product."""

    name: str
    home: str
    shared: list[str]  # the product's labels of the capabilities both have


@dataclass(frozen=True)
class RuleMatch:
    """One of the viewer's scenes or automations that uses a capability the product has."""

    name: str
    kind: str  # "scene" or "automation"
    home: str
    uses: list[str]  # the product's labels of the capabilities the rule reads or sets


@dataclass
class ProductPage:
    product: Product
    partner: Partner
    photos: list[str]
    spec: list[words.Section]
    certification: CertificationRun | None
    campaigns: list[CampaignView]
    listing: StoreListing | None
    signed_in: bool
    devices: list[DeviceMatch] = field(default_factory=list)
    rules: list[RuleMatch] = field(default_factory=list)


def _spec(document: Mapping[str, Any] | None) -> Spec | None:
    if not document:
        return None
    try:
        return Spec.model_validate(document)
    except ValidationError:  # a stored spec was checked when written; never fail a page on one
        return None


async def product_page(
    session: AsyncSession, *, user: User | None, product_id: str, now: datetime
) -> ProductPage:
    """Gather a product's public page, with what it could work with of ``user``'s own."""
    product, partner = await products.public_product(session, product_id=product_id)
    spec = _spec(product.spec)
    try:
        _, run = await certification.published_run(session, product_id=product.id)
    except NotFound:
        run = None
    shown = await campaigns.list_campaigns(
        session, sort="newest", now=now, product_id=product.id, states=SHOWN, limit=200
    )
    listing = await session.scalar(
        select(StoreListing).where(StoreListing.product_id == product.id)
    )
    page = ProductPage(
        product=product,
        partner=partner,
        photos=[
            f"/media/images/{i.id}" for i in await media.images(session, product_id=product.id)
        ],
        spec=words.describe(spec) if spec is not None else [],
        certification=run,
        campaigns=shown,
        listing=listing,
        signed_in=user is not None,
    )
    if user is not None and spec is not None:
        page.devices, page.rules = await _works_with(session, user=user, spec=spec)
    return page


async def _works_with(
    session: AsyncSession, *, user: User, spec: Spec
) -> tuple[list[DeviceMatch], list[RuleMatch]]:
    """Find the user's devices, scenes and automations that share a capability with ``spec``."""
    wanted = words.capabilities(spec)
    homes = {
        h.id: h.name
        for h in await session.scalars(
            select(Home)
            .join(HomeMember, HomeMember.home_id == Home.id)
            .where(HomeMember.user_id == user.id)
        )
    }
    if not homes or not wanted:
        return [], []
    rows = await session.execute(
        select(Device.id, Device.home_id, DeviceModel.name, DeviceModel.spec, DevicePlacement.name)
        .join(DeviceModel, DeviceModel.id == Device.model_id)
        .outerjoin(
            DevicePlacement,
            (DevicePlacement.device_id == Device.id) & (DevicePlacement.home_id == Device.home_id),
        )
        .where(Device.home_id.in_(list(homes)), Device.revoked_at.is_(None))
        .order_by(Device.home_id, Device.id)
    )
    keys: dict[str, dict[str, str]] = {}  # device id -> property key -> what it is about
    devices: list[DeviceMatch] = []
    for device_id, home_id, model_name, document, own_name in rows:
        theirs = _spec(document)
        if theirs is None:
            continue
        keys[device_id] = words.property_names(theirs)
        shared = [text for name, text in wanted.items() if name in words.capabilities(theirs)]
        if shared:
            devices.append(DeviceMatch(own_name or model_name, homes[str(home_id)], shared))
    rules: list[RuleMatch] = []
    documents: list[tuple[str, str, str, Any]] = [
        (s.name, "scene", s.home_id, s.actions)
        for s in await session.scalars(
            select(Scene).where(Scene.home_id.in_(list(homes))).order_by(Scene.name)
        )
    ]
    documents += [
        (a.name, "automation", a.home_id, a.rule)
        for a in await session.scalars(
            select(Automation).where(Automation.home_id.in_(list(homes))).order_by(Automation.name)
        )
    ]
    for name, kind, home_id, document in documents:
        about = {keys.get(device, {}).get(key) for device, key in references(document)}
        uses = [text for cap, text in wanted.items() if cap in about]
        if uses:
            rules.append(RuleMatch(name, kind, homes[home_id], uses))
    return devices[:MAX_MATCHES], rules[:MAX_MATCHES]


def references(document: Any) -> Iterator[tuple[str, str]]:
    """Yield every ``(device id, "siid.piid")`` a scene's or automation's document reads or
    sets: a trigger's or condition's ``key``, a set action's ``props``, an event's or
    action's ``args``."""
    if isinstance(document, list):
        for item in document:
            yield from references(item)
        return
    if not isinstance(document, dict):
        return
    device = document.get("device_id")
    if isinstance(device, str):
        key = document.get("key")
        if isinstance(key, str):
            yield device, key
        for part in ("props", "args"):
            values = document.get(part)
            if isinstance(values, dict):
                for name in values:
                    yield device, str(name)
    for value in document.values():
        if isinstance(value, dict | list):
            yield from references(value)
