"""The demo's campaigns: one ran to fulfilled, one failed with every pledge released, one is
live far past its goal; seeded once; the books balance."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from hearth import db
from hearth.accounts.models import User
from hearth.demo import seed
from hearth.funding import receipts
from hearth.funding.models import Campaign, CampaignStep, Order, Pledge
from hearth.kit.clock import SystemClock
from hearth.payments import books
from tests.conftest import make_settings


async def test_the_demo_runs_one_campaign_to_fulfilled_and_one_to_failed(
    tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url)
    await seed(settings)
    await seed(settings)  # a second run changes nothing
    engine = db.create_engine(database_url, pool=False)
    try:
        async with db.session_factory(engine)() as session:
            lumi = select(Campaign).where(Campaign.title.startswith("Lumi"))
            found = {c.title: c for c in await session.scalars(lumi)}
            assert {t: c.state for t, c in found.items()} == {
                "Lumi Glow Lamp — first run": "fulfilled",
                "Lumi Glow Lamp — colour edition": "failed",
                "Lumi Glow Mini": "live",
                "Lumi Glow Lamp — travel edition": "funded",
                "Lumi Glow Lamp — studio edition": "submitted",  # waiting for launch review
                "Lumi Glow Lamp — nursery edition": "sent_back",  # with the team's comments
            }
            nursery = found["Lumi Glow Lamp — nursery edition"].id
            comments = await session.scalar(
                select(CampaignStep.reason).where(
                    CampaignStep.campaign_id == nursery, CampaignStep.to_state == "sent_back"
                )
            )
            assert comments and "early-bird" in comments
            failed = found["Lumi Glow Lamp — colour edition"].id
            states = set(
                await session.scalars(select(Pledge.state).where(Pledge.campaign_id == failed))
            )
            assert states == {"released"}
            first = found["Lumi Glow Lamp — first run"].id
            shipped = set(
                await session.scalars(select(Order.status).where(Order.campaign_id == first))
            )
            # The community's demo delivers all but Backer 1's, so that they can review them.
            assert shipped == {"shipped", "delivered"}
            assert not any((await books.trial_balance(session)).values())
    finally:
        await engine.dispose()


async def test_the_demo_fan_has_a_declined_pledge_to_fix_and_receipts_exist(
    tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url)
    await seed(settings)
    engine = db.create_engine(database_url, pool=False)
    try:
        async with db.session_factory(engine)() as session:
            fan = await session.scalar(select(User).where(User.username == "fan"))
            assert fan is not None
            (pledge,) = await session.scalars(
                select(Pledge).where(Pledge.backer_id == fan.id, Pledge.state != "active")
            )
            now = SystemClock().now()
            assert pledge.state == "payment_failed" and "not enough money" in pledge.failure
            assert pledge.retry_until is not None and pledge.retry_until > now
            travel = await session.get(Campaign, pledge.campaign_id)
            assert travel is not None and travel.state == "funded"
            backer = await session.scalar(select(User).where(User.username == "backer1"))
            assert backer is not None
            shown = await receipts.receipts(session, user=backer)
            kinds = sorted((r.kind, r.campaign_title) for r in shown)
            assert ("refund", "Lumi Glow Lamp — travel edition") in kinds
            assert ("charge", "Lumi Glow Lamp — travel edition") in kinds
    finally:
        await engine.dispose()
