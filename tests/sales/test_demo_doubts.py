"""The demo's charges in doubt: one the worker settles as soon as it runs, one waiting for
the platform team, which asking again settles; seeding twice adds nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from hearth import db
from hearth.accounts.models import User
from hearth.demo import seed
from hearth.kit.clock import SystemClock
from hearth.outbox import discard
from hearth.payments import doubts
from hearth.payments.models import PaymentDoubt
from hearth.payments.sandbox import build_provider
from hearth.sales import checkout
from tests.conftest import make_settings


async def test_the_demo_has_a_charge_in_doubt_settled_by_the_worker_and_one_for_a_person(
    tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url)
    await seed(settings)
    await seed(settings)  # a second run changes nothing
    engine = db.create_engine(database_url, pool=False)
    sessions = db.session_factory(engine)
    now = SystemClock().now()
    try:
        async with sessions() as session:
            states = sorted(await session.scalars(select(PaymentDoubt.state)))
        assert states == ["open", "review"]

        provider = build_provider(settings, sessions)
        done = await checkout.settle_doubts(
            sessions, provider, discard, commission_bp=settings.commission_bp, now=now
        )
        assert done.settled == 1 and "order is made" in done.words[0]

        async with sessions() as session, session.begin():
            reviewer = await session.scalar(select(User).where(User.username == "reviewer"))
            assert reviewer is not None
            waiting = await session.scalar(
                select(PaymentDoubt.id).where(PaymentDoubt.state == "review")
            )
            assert waiting is not None
            await doubts.ask_again(session, user=reviewer, doubt_id=waiting, now=now)
        again = await checkout.settle_doubts(
            sessions, provider, discard, commission_bp=settings.commission_bp, now=now
        )
        assert again.settled == 1
        async with sessions() as session:
            left = await session.scalar(
                select(func.count())
                .select_from(PaymentDoubt)
                .where(PaymentDoubt.state != "settled")
            )
        assert left == 0
    finally:
        await engine.dispose()
