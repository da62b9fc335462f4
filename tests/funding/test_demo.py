"""The demo's campaigns: one ran to fulfilled, one failed with every pledge released, one is
live far past its goal; seeded once; the books balance."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from hearth import db
from hearth.demo import seed
from hearth.funding.models import Campaign, CampaignStep, Order, Pledge
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
            found = {c.title: c for c in await session.scalars(select(Campaign))}
            assert {t: c.state for t, c in found.items()} == {
                "Lumi Glow Lamp — first run": "fulfilled",
                "Lumi Glow Lamp — colour edition": "failed",
                "Lumi Glow Mini": "live",
                "Lumi Glow Lamp — travel edition": "submitted",  # waiting for launch review
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
            shipped = set(await session.scalars(select(Order.status)))
            assert shipped == {"shipped"}
            assert not any((await books.trial_balance(session)).values())
    finally:
        await engine.dispose()
