"""Demo data for the Community tab: hearth's board and the demo partner's product boards, with
suggestions in every status, votes, official answers and comments; seeded once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.accounts.models import User
from hearth.community import comments, duplicates, moderation, releases, suggestions, votes
from hearth.community.demo_reviews import seed_reviews
from hearth.community.models import Suggestion
from hearth.community.rules import PLATFORM_BOARD, Status
from hearth.mall.models import Product
from hearth.mall.review import ProductState
from hearth.outbox import discard, unit_of_work


@dataclass(frozen=True)
class Idea:
    """A demo suggestion: who posts it, how long ago, its votes, and what became of it."""

    author: str
    title: str
    category: str
    body: str
    days_ago: float
    voters: int = 0
    # (status, answer) moves by the board's owner, oldest first
    answers: tuple[tuple[Status, str], ...] = ()
    # (author, text, reply to the comment at this index or None); "@owner" is the board's
    comments: tuple[tuple[str, str, int | None], ...] = field(default=())


PLATFORM_IDEAS = (
    Idea(
        "fan",
        "Dark mode for the home app",
        "home-app",
        "The app is very bright at night when I check the **bedroom sensors**. A dark theme "
        "that follows the phone's setting would be perfect.",
        9,
        voters=11,
        answers=(
            (Status.UNDER_REVIEW, "Thanks! We are looking at how every card reads in the dark."),
            (
                Status.PLANNED,
                "Planned for the winter update: the app will follow your phone's "
                "light or dark setting, and you can choose one in your account.",
            ),
        ),
        comments=(
            ("backer2", "Yes please, and keep the orange for buttons.", None),
            ("@owner", "It stays: the accent is tuned to read well on both.", 0),
            ("backer5", "Could charts get a dark palette too?", None),
        ),
    ),
    Idea(
        "backer1",
        "Run a scene when I arrive home",
        "automation",
        "Use my phone's location to run the *Welcome home* scene when I get close.",
        6,
        voters=8,
        answers=(
            (
                Status.UNDER_REVIEW,
                "We are weighing location on the phone against privacy: "
                "nothing about where you are should leave your phone.",
            ),
        ),
        comments=(("backer3", "Only if it stays on the phone.", None),),
    ),
    Idea(
        "backer2",
        "Export a device's history as CSV",
        "feature",
        "I would like to put a year of temperature readings in a spreadsheet.",
        20,
        voters=6,
        answers=(
            (Status.IN_PROGRESS, "Being built: one file per device and property."),
            (Status.DONE, "Shipped: open a device's history and choose **Download CSV**."),
        ),
    ),
    Idea(
        "backer3",
        "Delivery dates of my pledges in my calendar",
        "mall",
        "A calendar feed of expected delivery dates for what I backed.",
        2,
        voters=4,
    ),
    Idea(
        "backer4",
        "Widgets on the phone's home screen",
        "home-app",
        "Show a few device cards without opening the app.",
        14,
        voters=3,
        answers=(
            (
                Status.DECLINED,
                "hearth runs in the browser, which cannot add widgets to "
                "a phone's home screen. Pinning the app to the home screen opens it fastest.",
            ),
        ),
    ),
    Idea(
        "backer6",
        "Energy use in Home Assistant",
        "integration",
        "Send the plugs' power readings as energy sensors so the Energy dashboard picks them up.",
        4,
        voters=7,
        answers=(
            (
                Status.IN_PROGRESS,
                "Under way: the plugs' readings will carry the energy device class.",
            ),
        ),
    ),
)
PRODUCT_IDEAS = (
    Idea(
        "fan",
        "A sunrise alarm that starts 30 minutes earlier",
        "feature",
        "Twenty minutes of sunrise is too short in winter. Let me pick **10 to 60 minutes**.",
        8,
        voters=9,
        answers=((Status.PLANNED, "Good idea: firmware 1.4 lets you choose 10-60 minutes."),),
        comments=(
            ("backer1", "And a sunset for falling asleep, please.", None),
            ("@owner", "Sunset is in the same update.", 0),
        ),
    ),
    Idea(
        "backer2",
        "A warmer 2200 K setting",
        "firmware",
        "2700 K is the warmest now; candle-like light would be lovely in the evening.",
        5,
        voters=6,
        answers=((Status.IN_PROGRESS, "Our LEDs reach 2200 K; we are tuning the colour."),),
    ),
    Idea(
        "backer3",
        "A fabric shade",
        "accessory",
        "A linen shade in grey or sand would soften the light on a desk.",
        1,
        voters=5,
    ),
    Idea(
        "backer4",
        "The lamp forgets its brightness after a power cut",
        "bug",
        "After the power comes back it is at 100% instead of where I left it.",
        16,
        voters=4,
        answers=(
            (Status.IN_PROGRESS, "Reproduced; the fix keeps the last state in flash."),
            (Status.DONE, "Fixed in firmware 1.3.2, which your lamp installs by itself."),
        ),
    ),
    Idea(
        "backer5",
        "Dim it by touching the base",
        "hardware",
        "Hold the base to dim, tap to switch.",
        3,
        voters=1,
        answers=(
            (
                Status.DUPLICATE,
                "The same as *Touch controls on the base*: please vote "
                "there, so every vote counts in one place.",
            ),
        ),
    ),
)


async def _user(session: AsyncSession, name: str) -> User | None:
    return await session.scalar(select(User).where(User.username == name))


async def _seed_board(
    session: AsyncSession, board_id: str, ideas: tuple[Idea, ...], owner: User, now: datetime
) -> None:
    backers = [
        u for u in [await _user(session, f"backer{n}") for n in range(1, 15)] if u is not None
    ]
    for idea in ideas:
        author = await _user(session, idea.author)
        if author is None:
            continue
        at = now - timedelta(days=idea.days_ago)
        row = await suggestions.post(
            session, user=author, board_id=board_id, title=idea.title, body=idea.body,
            category=idea.category, now=at,
        )  # fmt: skip
        for number, voter in enumerate(v for v in backers if v.id != author.id):
            if number >= idea.voters:
                break
            await votes.vote(
                session, user_id=voter.id, suggestion_id=row.id,
                now=at + timedelta(hours=number + 1),
            )  # fmt: skip
        for step, (status, words) in enumerate(idea.answers, start=1):
            await suggestions.answer(
                session, user=owner, suggestion_id=row.id, status=status, body=words,
                now=at + timedelta(days=idea.days_ago * step / (len(idea.answers) + 1)),
            )  # fmt: skip
        posted: list[str] = []
        for number, (who, text, reply_to) in enumerate(idea.comments):
            person = owner if who == "@owner" else await _user(session, who)
            if person is None:
                continue
            made = await comments.post(
                session, user=person, suggestion_id=row.id, body=text,
                parent_id=posted[reply_to] if reply_to is not None else None,
                now=at + timedelta(hours=3 * (number + 1)),
            )  # fmt: skip
            posted.append(made.id)


async def seed_community(
    sessions: async_sessionmaker[AsyncSession],
    *,
    partner: str,
    reviewer: str,
    now: datetime,
) -> None:
    """Fill hearth's board and the demo partner's first approved product's board, once."""
    # Seeding runs before any hearth is started: no bus listens, so nothing is published.
    async with unit_of_work(sessions, discard) as session:
        if await session.scalar(select(Suggestion.id).limit(1)):
            return
        staff = await _user(session, reviewer)
        member = await _user(session, partner)
        if staff is None or member is None or member.partner_id is None:
            return
        await _seed_board(session, PLATFORM_BOARD, PLATFORM_IDEAS, staff, now)
        await duplicates.seed_demo(session, board_id=PLATFORM_BOARD, owner=staff, now=now)
        await releases.seed_demo(session, owner=staff, now=now)  # ships two of them
        lamp = await session.scalar(
            select(Product.id)
            .where(
                Product.partner_id == member.partner_id,
                Product.state == ProductState.APPROVED,
            )
            .order_by(Product.created_at, Product.id)
            .limit(1)
        )
        if lamp is not None:
            await _seed_board(session, lamp, PRODUCT_IDEAS, member, now)
        await moderation.seed_demo(session, moderator=staff, now=now)  # the queue's items
        await seed_reviews(session, partner=member, now=now)  # reviews, and Q&A on a campaign
