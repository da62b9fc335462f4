"""The daily figures, counted once per day from the rows that hold each fact.

``count_day`` reads one UTC day's rows through their indexes (never the whole history) and
returns its figures; ``store_day`` replaces the day's rows of ``insights_daily`` with them.
Counting a day again gives the same figures (late rows aside): a day is counted every few
minutes while it lasts, once more after it settles (``rules.SETTLE``), and then left alone,
so a rollup rebuilt from scratch (``rebuild``) equals the one kept as days went by. The one
exception is ``devices.connected``: who is online is known only now, so it is sampled while
its day lasts and kept from then on.

``claim`` hands a day to one worker at a time: a conditional update of the day's lease,
which only one of several processes can win.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.community.models import Answer, Suggestion
from hearth.db import insert_for
from hearth.funding.models import Campaign, OrderItem, Pledge
from hearth.funding.rules import CampaignState
from hearth.hub.models import Device, DeviceModel, DeviceState
from hearth.insights.models import ActiveDay, CountedDay, DailyFigure
from hearth.insights.rules import MONTH, WEEK, day_end, day_of, day_start, settled
from hearth.mall.models import Partner
from hearth.mall.review import PartnerState

LEASE = timedelta(minutes=5)
SAMPLED = frozenset({"devices.connected"})
FUNDED = (CampaignState.FUNDED, CampaignState.FULFILLING, CampaignState.FULFILLED)
WENT_LIVE = (CampaignState.LIVE, CampaignState.FAILED, *FUNDED)

Figures = dict[tuple[str, str], int]  # (figure, key) -> value


async def count_day(session: AsyncSession, day: date, *, now: datetime) -> Figures:
    """Count every figure of ``day`` from the raw rows (``devices.connected`` only while
    the day lasts)."""
    start, end = day_start(day), day_end(day)
    found: Figures = {}
    await _people(session, found, day)
    await _devices(session, found, end)
    if now < end:
        online = await session.scalar(
            select(func.count()).select_from(DeviceState).where(DeviceState.online.is_(True))
        )
        found["devices.connected", ""] = int(online or 0)
    found["partners.new", ""] = int(
        await session.scalar(
            select(func.count())
            .select_from(Partner)
            .where(
                Partner.status == PartnerState.APPROVED,
                func.coalesce(Partner.decided_at, Partner.created_at) >= start,
                func.coalesce(Partner.decided_at, Partner.created_at) < end,
            )
        )
        or 0
    )
    await _campaigns(session, found, start, end)
    await _sales(session, found, start, end)
    await _community(session, found, start, end)
    return found


async def _people(session: AsyncSession, found: Figures, day: date) -> None:
    for figure, days in (
        ("people.active", 1),
        ("people.active_7d", WEEK),
        ("people.active_30d", MONTH),
    ):
        found[figure, ""] = await _active(session, day, days)


async def _active(session: AsyncSession, day: date, days: int) -> int:
    first = day - timedelta(days=days - 1)
    people = select(func.count(func.distinct(ActiveDay.user_id))) if days > 1 else (
        select(func.count())
    )  # fmt: skip
    counted = await session.scalar(
        people.select_from(ActiveDay).where(ActiveDay.day >= first, ActiveDay.day <= day)
    )
    return int(counted or 0)


async def _devices(session: AsyncSession, found: Figures, end: datetime) -> None:
    per_model = await session.execute(
        select(Device.model_id, func.count())
        .where(Device.created_at < end, or_(Device.revoked_at.is_(None), Device.revoked_at >= end))
        .group_by(Device.model_id)
    )
    counts = {m: int(n) for m, n in per_model.all()}
    models = await session.execute(
        select(DeviceModel.id, DeviceModel.spec, DeviceModel.partner_id).where(
            DeviceModel.id.in_(list(counts))
        )
    )
    found["devices.registered", ""] = sum(counts.values())
    for model_id, spec, partner_id in models.all():
        category = str((spec or {}).get("category") or "other")
        _add(found, "devices.registered", f"category:{category}", counts[model_id])
        _add(found, "devices.registered", f"maker:{partner_id or 'hearth'}", counts[model_id])


async def _campaigns(session: AsyncSession, found: Figures, start: datetime, end: datetime) -> None:
    found["campaigns.live", ""] = int(
        await session.scalar(
            select(func.count())
            .select_from(Campaign)
            .where(Campaign.state.in_(WENT_LIVE), Campaign.starts_at < end, Campaign.ends_at >= end)
        )
        or 0
    )
    decided = await session.execute(
        select(Campaign.state, func.count())
        .where(Campaign.decided_at >= start, Campaign.decided_at < end)
        .where(Campaign.state.in_((*FUNDED, CampaignState.FAILED)))
        .group_by(Campaign.state)
    )
    by_state = {s: int(n) for s, n in decided.all()}
    found["campaigns.funded", ""] = sum(by_state.get(s, 0) for s in FUNDED)
    found["campaigns.failed", ""] = by_state.get(CampaignState.FAILED, 0)
    pledged = await session.execute(
        select(Pledge.currency, func.sum(Pledge.amount))
        .where(Pledge.created_at >= start, Pledge.created_at < end, Pledge.state != "cancelled")
        .group_by(Pledge.currency)
    )
    for currency, amount in pledged.all():
        found["money.pledged", f"currency:{currency}"] = int(amount or 0)


async def _sales(session: AsyncSession, found: Figures, start: datetime, end: datetime) -> None:
    sold = await session.execute(
        select(
            OrderItem.channel,
            OrderItem.product_id,
            OrderItem.currency,
            func.sum(OrderItem.quantity),
            func.sum(OrderItem.amount),
        )
        .where(OrderItem.created_at >= start, OrderItem.created_at < end)
        .group_by(OrderItem.channel, OrderItem.product_id, OrderItem.currency)
    )
    for channel, product_id, currency, units, amount in sold.all():
        _add(found, "sales.units", "", int(units or 0))
        _add(found, "sales.units", f"channel:{channel}", int(units or 0))
        _add(found, "sales.units", f"product:{product_id}|channel:{channel}", int(units or 0))
        _add(found, "sales.revenue", f"channel:{channel}|currency:{currency}", int(amount or 0))
        _add(found, "sales.revenue", f"currency:{currency}", int(amount or 0))


async def _community(session: AsyncSession, found: Figures, start: datetime, end: datetime) -> None:
    found["suggestions.opened", ""] = int(
        await session.scalar(
            select(func.count())
            .select_from(Suggestion)
            .where(Suggestion.created_at >= start, Suggestion.created_at < end)
        )
        or 0
    )
    first = (
        select(Answer.suggestion_id, func.min(Answer.at).label("first"))
        .group_by(Answer.suggestion_id)
        .subquery()
    )
    found["suggestions.answered", ""] = int(
        await session.scalar(
            select(func.count())
            .select_from(first)
            .where(first.c.first >= start, first.c.first < end)
        )
        or 0
    )


def _add(found: Figures, figure: str, key: str, value: int) -> None:
    found[figure, key] = found.get((figure, key), 0) + value


async def store_day(session: AsyncSession, day: date, found: Figures) -> None:
    """Replace ``day``'s figures with ``found`` (a sampled figure is kept unless given)."""
    kept = [f for f in SAMPLED if not any(name == f for name, _ in found)]
    await session.execute(
        delete(DailyFigure).where(DailyFigure.day == day, DailyFigure.figure.not_in(kept))
    )
    session.add_all(
        DailyFigure(figure=figure, key=key, day=day, value=value)
        for (figure, key), value in found.items()
    )


async def claim(session: AsyncSession, day: date, *, now: datetime) -> bool:
    """Take ``day`` for counting unless it is final or another worker holds it."""
    await session.execute(
        insert_for(session)(CountedDay)
        .values(day=day, counts=0, final=False)
        .on_conflict_do_nothing()
    )
    taken = await session.execute(
        update(CountedDay)
        .where(
            CountedDay.day == day,
            CountedDay.final.is_(False),
            or_(CountedDay.lease_until.is_(None), CountedDay.lease_until < now),
        )
        .values(lease_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    return bool(taken.rowcount)  # type: ignore[attr-defined]


async def finish(session: AsyncSession, day: date, *, now: datetime) -> None:
    """Release ``day`` after counting it, final once it has settled."""
    await session.execute(
        update(CountedDay)
        .where(CountedDay.day == day)
        .values(
            lease_until=None,
            counted_at=now,
            final=settled(day, now),
            counts=CountedDay.counts + 1,
        )
        .execution_options(synchronize_session=False)
    )


def due(first: date, now: datetime, final: Iterable[date]) -> list[date]:
    """Return the days from ``first`` to today not yet final, newest first."""
    done = set(final)
    today = day_of(now)
    span = (today - first).days
    return [d for d in (today - timedelta(days=n) for n in range(span + 1)) if d not in done]


async def count(session: AsyncSession, day: date, *, now: datetime) -> bool:
    """Count ``day`` if this worker can claim it, in one transaction; tell whether it did."""
    if not await claim(session, day, now=now):
        return False
    await store_day(session, day, await count_day(session, day, now=now))
    await finish(session, day, now=now)
    return True


async def final_days(session: AsyncSession, since: date) -> list[date]:
    """Return the days since ``since`` that are counted for good."""
    rows = await session.scalars(
        select(CountedDay.day).where(CountedDay.day >= since, CountedDay.final.is_(True))
    )
    return list(rows)


async def first_day(session: AsyncSession) -> date | None:
    """Return the first day anything happened that the figures count (the oldest account)."""
    oldest = await session.scalar(select(func.min(User.created_at)))
    return day_of(oldest) if oldest else None


async def rebuild(session: AsyncSession, days: Iterable[date], *, now: datetime) -> None:
    """Count every one of ``days`` again from scratch (an operator's repair)."""
    for day in days:
        await session.execute(
            update(CountedDay)
            .where(CountedDay.day == day)
            .values(final=False, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        await count(session, day, now=now)


async def today(
    session: AsyncSession, *, now: datetime, figures: tuple[str, ...]
) -> dict[str, int]:
    """Return today's whole of each of ``figures`` that has been counted."""
    rows = await session.execute(
        select(DailyFigure.figure, DailyFigure.value).where(
            DailyFigure.day == day_of(now), DailyFigure.key == "", DailyFigure.figure.in_(figures)
        )
    )
    return {figure: int(value) for figure, value in rows.all()}
