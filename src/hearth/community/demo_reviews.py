"""Demo reviews and campaign questions: the lamp's first-run backers received their lamps
(all but Backer 1, whose parcel is still on its way), and they and the store's buyers
reviewed what they got, so the lamp's rating has a real spread; Lumi Labs answered its
unhappiest review; people asked about the live Glow Mini campaign, and Lumi answered two.

Everything goes through the services, with a clock set in the past; it runs inside the
community demo's one unit of work, so it is seeded once with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.community import moderation, questions, reviews
from hearth.funding import orders
from hearth.funding.models import Campaign, Order, OrderItem
from hearth.mall.models import Product


@dataclass(frozen=True)
class Said:
    """A demo review: who, of which product, how many stars, what they wrote, days ago."""

    who: str
    product: str
    stars: int
    title: str
    body: str
    days_ago: float


LAMP = "Lumi Glow Lamp"
SPEAKER = "Ember Mini Speaker"
REVIEWS = (
    Said("backer2", LAMP, 5, "The sunrise alarm changed my mornings",
         "Warm, even light and the **sunrise** is gentle. Paired with hearth in a minute.", 4),
    Said("backer3", LAMP, 5, "Exactly as promised", "", 4),
    Said("backer4", LAMP, 4, "Lovely light, short cable",
         "The light is great; the cable is a bit short for my nightstand.", 3.5),
    Said("backer5", LAMP, 5, "Best bedside lamp I have owned", "", 3),
    Said("backer6", LAMP, 3, "Good, but forgets its brightness",
         "After a power cut it comes back at 100%. Otherwise fine.", 3),
    Said("backer7", LAMP, 5, "", "Bought a second one for the living room.", 2.5),
    Said("backer8", LAMP, 4, "Solid", "Scenes work well with the motion sensor.", 2),
    Said("backer9", LAMP, 2, "Buzzes when dimmed",
         "At the lowest brightness mine makes a faint buzz. Support was quick to answer.", 2),
    Said("backer10", LAMP, 5, "Worth the wait", "", 1.5),
    Said("fan", LAMP, 5, "Bought after the campaign, no regrets",
         "The warm white variant is perfect for reading.", 1),
    Said("backer1", LAMP, 4, "Two are one too many",
         "I bought two by mistake, but the lamp itself is very good.", 1),
    Said("fan", SPEAKER, 4, "Big sound for its size", "Fills the kitchen.", 1),
    Said("backer1", SPEAKER, 2, "Sand is more yellow than in the photos",
         "Sound is fine; I sent it back for the colour.", 3),
)  # fmt: skip
ANSWER = (
    "We are sorry about the buzz. Firmware 1.3.2 changes the dimming frequency and removes "
    "it on every lamp we tested; your lamp installs it by itself tonight. If it stays, reply "
    "to our support and we will swap the lamp."
)
QUESTIONS = (
    ("backer3", "Can I pair the Glow Mini with my Glow Lamp in one scene?", 30,
     "Yes: both join hearth as lights, so any scene or automation can set them together."),
    ("fan", "Will the linen shade come in grey?", 20,
     "Not in this campaign. Grey is planned for the store once the campaign ships."),
    ("backer7", "Does the sunrise alarm work without Wi-Fi?", 5, None),
)  # fmt: skip


async def _user(session: AsyncSession, name: str) -> User | None:
    return await session.scalar(select(User).where(User.username == name))


async def _delivered_order(session: AsyncSession, user: User, product_id: str) -> str | None:
    found: str | None = await session.scalar(
        select(Order.id)
        .join(OrderItem, OrderItem.order_id == Order.id)
        .where(
            Order.backer_id == user.id,
            Order.delivered_at.is_not(None),
            OrderItem.product_id == product_id,
        )
        .order_by(Order.delivered_at, Order.id)
        .limit(1)
    )
    return found


async def seed_reviews(session: AsyncSession, *, partner: User, now: datetime) -> None:
    """Deliver the first run's lamps, write the demo's reviews and questions, once."""
    assert partner.partner_id is not None
    backer1 = await _user(session, "backer1")
    first_run = select(Campaign.id).where(
        Campaign.partner_id == partner.partner_id, Campaign.state == "fulfilled"
    )
    on_the_way = await session.scalars(
        select(Order.id)
        .where(
            Order.campaign_id.in_(first_run),
            Order.status == "shipped",
            Order.backer_id != (backer1.id if backer1 else ""),
        )
        .order_by(Order.id)
    )
    for arriving in list(on_the_way):
        await orders.mark_delivered(
            session, user=partner, order_id=arriving, now=now - timedelta(days=6)
        )
    products = dict((await session.execute(select(Product.name, Product.id))).all())
    written: dict[str, str] = {}
    for said in REVIEWS:
        person = await _user(session, said.who)
        product_id = products.get(said.product)
        if person is None or product_id is None:
            continue
        order_id = await _delivered_order(session, person, product_id)
        if order_id is None:
            continue
        row, _ = await reviews.write(
            session, user=person, order_id=order_id, product_id=product_id, stars=said.stars,
            title=said.title, body=said.body, now=now - timedelta(days=said.days_ago),
        )  # fmt: skip
        written[said.who + said.product] = row.id
    unhappy = written.get("backer9" + LAMP)
    if unhappy is not None:
        await reviews.answer(
            session, user=partner, review_id=unhappy, body=ANSWER, now=now - timedelta(days=1)
        )
    # A fan reports a fair review they disagree with: the moderators' queue shows a review
    # waiting, whose reports a moderator would dismiss.
    reporter = await _user(session, "backer5")
    if unhappy is not None and reporter is not None:
        await moderation.report(
            session, user=reporter, kind="review", target_id=unhappy, reason="other",
            note="This is not true, mine does not buzz at all.", now=now - timedelta(hours=6),
        )  # fmt: skip
    live = await session.scalar(
        select(Campaign.id).where(
            Campaign.partner_id == partner.partner_id, Campaign.title == "Lumi Glow Mini"
        )
    )
    if live is None:
        return
    for who, words, hours_ago, answer in QUESTIONS:
        person = await _user(session, who)
        if person is None:
            continue
        asked = await questions.ask(
            session, user=person, campaign_id=live, body=words,
            now=now - timedelta(hours=hours_ago),
        )  # fmt: skip
        if answer is not None:
            await questions.answer(
                session, user=partner, question_id=asked.id, body=answer,
                now=now - timedelta(hours=hours_ago - 2),
            )  # fmt: skip
