"""Demo mall: Lumi Labs' store with a logo, an approved product and one in review with a
thread, and a second company's application waiting for the platform team. Seeded once:
nothing is added if Lumi Labs already has products.

Everything goes through the services (review moves, comments, uploads), so the demo has
the audit trail and the inbox notices a real run would have.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.devices import spec_to_dict
from hearth.devices.library import get_spec
from hearth.kit.clock import SystemClock
from hearth.kit.storage import make_storage
from hearth.mall import media, partners, products
from hearth.mall.certification import service as certification
from hearth.mall.models import Partner, Product
from hearth.mall.products import ProductDraft
from hearth.mall.review import ProductState
from hearth.outbox import discard, unit_of_work

if TYPE_CHECKING:  # the composition root builds on this module, not the reverse
    from hearth.bootstrap import Hearth

Pixel = Callable[[int, int], tuple[int, int, int]]


def draw_png(width: int, height: int, pixel: Pixel) -> bytes:
    """Encode a picture given as a function of (x, y) to RGB as a PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    t = min(1.0, max(0.0, t))
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def lumi_logo(size: int = 128) -> bytes:
    """A warm gradient tile with a glowing bulb: Lumi Labs' logo."""
    centre = size / 2

    def pixel(x: int, y: int) -> tuple[int, int, int]:
        background = _mix((255, 138, 0), (255, 72, 66), (x + y) / (2 * size))
        distance = ((x - centre) ** 2 + (y - centre * 0.9) ** 2) ** 0.5 / size
        if distance < 0.22:
            return (255, 255, 255)
        return _mix((255, 236, 200), background, (distance - 0.22) * 6)

    return draw_png(size, size, pixel)


def product_shot(tint: tuple[int, int, int], width: int = 320, height: int = 240) -> bytes:
    """A soft studio backdrop with a rounded device silhouette in ``tint``."""

    def pixel(x: int, y: int) -> tuple[int, int, int]:
        backdrop = _mix((250, 248, 245), (226, 224, 230), y / height)
        dx, dy = (x - width / 2) / (width * 0.18), (y - height * 0.5) / (height * 0.36)
        if dx**4 + dy**4 < 1:
            return _mix(tint, (255, 255, 255), max(0.0, -dx) * 0.35)
        sx, sy = (x - width / 2) / (width * 0.24), (y - height * 0.88) / (height * 0.05)
        if sx * sx + sy * sy < 1:
            return _mix(backdrop, (190, 188, 196), 0.6 * (1 - sx * sx - sy * sy))
        return backdrop

    return draw_png(width, height, pixel)


async def _user(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def seed_mall(runtime: Hearth, *, partner: str, reviewer: str, applicant: str) -> None:
    """Furnish the demo partner's store and the review queue, once.

    ``runtime`` is an unstarted hearth of the caller's: the lamp's certification runs in it."""
    sessions, settings = runtime.sessions, runtime.settings
    storage = make_storage(settings)
    limit = settings.upload_max_bytes
    clock = SystemClock()  # each step at its own moment, so the audit trail keeps its order
    lamp_id: str | None = None
    # Seeding runs before any hearth is started: no bus listens, so nothing is published.
    async with unit_of_work(sessions, discard) as session:
        member = await _user(session, partner)
        staff = await _user(session, reviewer)
        if member is None or staff is None or member.partner_id is None:
            return
        company = await session.get(Partner, member.partner_id)
        assert company is not None
        if await session.scalar(select(Product.id).where(Product.partner_id == company.id)):
            return
        company.categories = ["lighting", "sensor"]
        company.contact_email = company.contact_email or "hello@lumi.example"
        company.description = "Warm, quiet smart lighting for small homes."
        await partners.update_store(
            session,
            user=member,
            store_name="Lumi Labs",
            store_description=(
                "Lumi makes lamps and sensors that feel at home: soft light, no glare, "
                "and every device works with hearth scenes from day one."
            ),
            support_contact="care@lumi.example",
        )
        await media.set_logo(session, storage, user=member, data=lumi_logo(), max_bytes=limit)

        lamp, _ = await products.create_product(
            session,
            user=member,
            draft=ProductDraft(
                name="Lumi Glow Lamp",
                category="lighting",
                description="A bedside lamp with warm-to-cool white and a sunrise alarm.",
                spec=spec_to_dict(get_spec("hearth.light.v1")),
                retail_price="199.00",
                campaign_goal="200000.00",
                campaign_days=30,
            ),
            now=clock.now(),
        )
        for tint in ((255, 176, 64), (255, 214, 150), (232, 120, 40)):  # a small gallery
            await media.add_image(
                session,
                storage,
                user=member,
                product_id=lamp.id,
                data=product_shot(tint),
                max_bytes=limit,
                now=clock.now(),
            )
        for actor, target in ((member, ProductState.SUBMITTED), (staff, ProductState.IN_REVIEW)):
            await products.move(
                session, user=actor, product_id=lamp.id, target=target, now=clock.now()
            )
        lamp_id = lamp.id

        sensor, _ = await products.create_product(
            session,
            user=member,
            draft=ProductDraft(
                name="Lumi Motion Sensor",
                category="sensor",
                description="A coin-sized motion and light sensor that runs two years on a cell.",
                spec=spec_to_dict(get_spec("hearth.motion-sensor.v1")),
                retail_price="59.90",
                campaign_goal="80000.00",
                campaign_days=21,
            ),
            now=clock.now(),
        )
        await media.add_image(
            session,
            storage,
            user=member,
            product_id=sensor.id,
            data=product_shot((120, 160, 255)),
            max_bytes=limit,
            now=clock.now(),
        )
        await products.move(
            session,
            user=member,
            product_id=sensor.id,
            target=ProductState.SUBMITTED,
            now=clock.now(),
        )
        await products.move(
            session,
            user=staff,
            product_id=sensor.id,
            target=ProductState.IN_REVIEW,
            now=clock.now(),
        )
        question = await products.comment(
            session,
            user=staff,
            product_id=sensor.id,
            body="How long does the battery last with motion every minute?",
            now=clock.now(),
        )
        await products.comment(
            session,
            user=member,
            product_id=sensor.id,
            body="About 20 months in our lab test; the report is attached to the spec notes.",
            parent_id=question.id,
            now=clock.now(),
        )

        hopeful = await _user(session, applicant)
        if hopeful is not None and hopeful.partner_id is None:
            await partners.apply(
                session,
                user=hopeful,
                name="Nova Home",
                description="Robot vacuums and mops for apartments.",
                contact_email="partners@nova.example",
                categories=["cleaning"],
                now=clock.now(),
            )
    if lamp_id is not None:  # approval needs a passed certification of the lamp's spec
        await certification.certify_in_process(runtime, username=reviewer, product_id=lamp_id)
        async with unit_of_work(sessions, discard) as session:
            staff = await _user(session, reviewer)
            assert staff is not None
            await products.move(
                session,
                user=staff,
                product_id=lamp_id,
                target=ProductState.APPROVED,
                reason="Bright, quiet and the spec is complete.",
                now=clock.now(),
            )
