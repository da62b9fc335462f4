"""Demo data: a fan, a partner member and a reviewer, created once and reused after."""

from __future__ import annotations

from sqlalchemy import select

from hearth import db
from hearth.accounts import service as accounts
from hearth.accounts.models import User
from hearth.accounts.roles import Role
from hearth.bootstrap import Hearth
from hearth.community.demo import seed_community
from hearth.config import Settings
from hearth.funding.demo import seed_funding
from hearth.funding.demo_backing import seed_backing
from hearth.homes.demo import seed_devices, seed_rooms
from hearth.kit.clock import SystemClock
from hearth.mall import partners
from hearth.mall.demo import seed_mall
from hearth.outbox import discard
from hearth.payments.demo import seed_payments
from hearth.sales.demo import seed_sales
from hearth.sales.demo_doubts import seed_doubts
from hearth.scenes.demo import seed_scenes

DEMO_PARTNER = "Lumi Labs"
# (what the account is for, username, password): printed by `hearth demo`.
DEMO_LOGINS: tuple[tuple[str, str, str], ...] = (
    ("fan", "fan", "hearth-fan-demo"),
    ("partner member", "partner", "hearth-partner-demo"),
    ("reviewer", "reviewer", "hearth-reviewer-demo"),
    ("admin", "admin", "hearth-admin-demo"),
    ("applicant", "applicant", "hearth-applicant-demo"),
)
_ROLES = {"fan": Role.FAN, "partner": Role.PARTNER, "reviewer": Role.REVIEWER, "admin": Role.ADMIN}
_ROLES["applicant"] = Role.FAN
_NAMES = {"fan": "Mia Chen", "partner": "Leo Wang", "reviewer": "Ada Park", "admin": "Sam Ortiz"}
_NAMES["applicant"] = "Nora Li"


async def seed(settings: Settings) -> None:
    """Create the demo accounts that do not exist yet."""
    engine = db.create_engine(settings.resolved_database_url, pool=False)
    try:
        async with db.transaction(db.session_factory(engine)) as session:
            for _label, username, password in DEMO_LOGINS:
                if await session.scalar(select(User.id).where(User.username == username)):
                    continue
                role = _ROLES[username]
                company = (
                    await partners.join_or_found(session, name=DEMO_PARTNER)
                    if role is Role.PARTNER
                    else None
                )
                await accounts.create_user(
                    session,
                    now=SystemClock().now(),
                    username=username,
                    password=password,
                    role=role,
                    display_name=_NAMES[username],
                    partner_id=company.id if company else None,
                )
        await seed_payments(db.session_factory(engine), settings, fan="fan", partner="partner")
        await seed_devices(db.session_factory(engine), settings, fan="fan")
        await seed_rooms(db.session_factory(engine), fan="fan")
        # Seeded before the server starts, with no bus to tell: a process loads the
        # automations when it starts.
        await seed_scenes(
            db.session_factory(engine), fan="fan", now=SystemClock().now(), publish=discard
        )
        # The demo lamp is certified with a simulated device in this process.
        runtime = Hearth.from_settings(settings)
        try:
            await seed_mall(runtime, partner="partner", reviewer="reviewer", applicant="applicant")
        finally:
            await runtime.engine.dispose()
        await seed_funding(
            db.session_factory(engine),
            settings,
            partner="partner",
            reviewer="reviewer",
            fan="fan",
            now=SystemClock().now(),
        )
        await seed_backing(
            db.session_factory(engine),
            settings,
            partner="partner",
            reviewer="reviewer",
            fan="fan",
            now=SystemClock().now(),
        )
        await seed_sales(db.session_factory(engine), settings, fan="fan", now=SystemClock().now())
        await seed_doubts(
            db.session_factory(engine), settings, backer="backer1", now=SystemClock().now()
        )
        await seed_community(
            db.session_factory(engine),
            partner="partner",
            reviewer="reviewer",
            now=SystemClock().now(),
        )
    finally:
        await engine.dispose()
