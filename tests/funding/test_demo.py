"""The demo's campaigns: one ran to fulfilled, one failed with every pledge released, one is
live far past its goal; seeded once; the books balance."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from hearth import db
from hearth.demo import seed
from hearth.funding.models import Campaign, Order, Pledge
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
            }
            failed = found["Lumi Glow Lamp — colour edition"].id
            states = set(
                await session.scalars(select(Pledge.state).where(Pledge.campaign_id == failed))
            )
            assert states == {"released"}
            pledged = select(Order.status).where(Order.channel == "crowdfunding")
            shipped = set(await session.scalars(pledged))
            assert shipped == {"shipped"}
            assert not any((await books.trial_balance(session)).values())
    finally:
        await engine.dispose()
