"""Money told straight: what was pledged, collected, failed, refunded and is payable.

A campaign's one "raised" figure hides what happened to the money after the end: a charge
that failed is not money, a refunded order is money given back, and the platform keeps its
commission. ``campaign_figures`` tells them apart for any number of campaigns in three
queries, from the rows that hold each fact:

- **pledged** and **backers**: every pledge that counted at the end or counts now (active,
  charged, payment failed, dropped; and released, when the campaign failed or was cancelled
  with nothing charged), from the pledge rows;
- **collected**: charged pledges, from their orders' amounts; **refunded**: what went back
  to backers, from the orders;
- **failed**: pledges whose charge failed (still in their retry window, or dropped after
  it), from the pledge rows; ``retrying`` counts those that may still be fixed;
- **commission** and **payable** (the partner's share after commission and refunds): from
  the ledger's entry sets about the campaign's payments, so they are what the books say.

Pledges their backers cancelled never counted and appear nowhere. Figures are integer minor
units of the campaign's currency.

Fans see one figure, **raised**, with its backers (``Figures.raised``, ``Figures.standing``):
once a campaign is funded it is what was pledged, less the pledges dropped after a failed
charge and less what was refunded (a refund comes off the reward before the shipping, so no
pledge takes away more than it added), so a campaign's page never boasts of money it gave
back or never had. ``campaign_figures(..., books=False)`` reads these without the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.funding.models import Campaign, Order, Pledge
from hearth.funding.rules import OrderStatus, PledgeState
from hearth.kit.money import Money
from hearth.payments.ledger import AccountType
from hearth.payments.models import LedgerAccount, LedgerEntry, LedgerEntrySet

PLEDGED = frozenset(
    {
        PledgeState.ACTIVE,
        PledgeState.CHARGED,
        PledgeState.PAYMENT_FAILED,
        PledgeState.DROPPED,
        PledgeState.RELEASED,
    }
)
FAILED = frozenset({PledgeState.PAYMENT_FAILED, PledgeState.DROPPED})


@dataclass(frozen=True)
class Figures:
    """One campaign's money, each kind apart (minor units of ``currency``)."""

    currency: str
    pledged: int = 0
    backers: int = 0
    collected: int = 0
    charged: int = 0  # pledges charged (orders made)
    failed: int = 0
    failures: int = 0  # pledges whose charge failed
    retrying: int = 0  # of those, still in their retry window
    refunded: int = 0
    dropped: int = 0  # pledged by pledges dropped after their retry window
    drops: int = 0
    refunded_rewards: int = 0  # refunds counted against the pledges' amounts (not shipping)
    withdrawn: int = 0  # backers whose order was refunded in full
    commission: int = 0  # kept by the platform, after refunds
    payable: int = 0  # the partner's share, after commission and refunds

    @property
    def raised(self) -> int:
        """Return what fans are told was raised: pledged, less dropped pledges and refunds."""
        return self.pledged - self.dropped - self.refunded_rewards

    @property
    def standing(self) -> int:
        """Return the backers whose pledge stands: not dropped, not refunded in full."""
        return self.backers - self.drops - self.withdrawn

    def money(self, name: str) -> Money:
        """Return one figure as money of the campaign's currency."""
        value = getattr(self, name)
        assert isinstance(value, int)
        return Money(value, self.currency)


async def campaign_figures(
    session: AsyncSession, campaigns: Sequence[Campaign], *, books: bool = True
) -> dict[str, Figures]:
    """Return the figures of each campaign, by id (``books=False``: without commission and
    payable, which are read from the ledger)."""
    ids = [c.id for c in campaigns]
    found: dict[str, dict[str, int]] = {i: defaultdict(int) for i in ids}
    if not ids:
        return {}
    pledges = (
        select(Pledge.campaign_id, Pledge.state, func.count(), func.sum(Pledge.amount))
        .where(Pledge.campaign_id.in_(ids), Pledge.state.in_([s.value for s in PLEDGED]))
        .group_by(Pledge.campaign_id, Pledge.state)
    )
    for campaign_id, state, count, amount in await session.execute(pledges):
        row = found[campaign_id]
        row["pledged"] += int(amount or 0)
        row["backers"] += int(count)
        if state in FAILED:
            row["failed"] += int(amount or 0)
            row["failures"] += int(count)
        if state == PledgeState.PAYMENT_FAILED:
            row["retrying"] += int(count)
        if state == PledgeState.DROPPED:
            row["dropped"] += int(amount or 0)
            row["drops"] += int(count)
    # A refund comes off the pledge's reward first, its shipping after.
    off_reward = case((Order.refunded > Pledge.amount, Pledge.amount), else_=Order.refunded)
    in_full = case((Order.status == OrderStatus.REFUNDED.value, 1), else_=0)
    orders = (
        select(
            Order.campaign_id,
            func.count(),
            func.sum(Order.amount),
            func.sum(Order.refunded),
            func.sum(off_reward),
            func.sum(in_full),
        )
        .join(Pledge, Pledge.id == Order.pledge_id)
        .where(Order.campaign_id.in_(ids))
        .group_by(Order.campaign_id)
    )
    for ordered, count, amount, refunded, rewards, withdrawn in await session.execute(orders):
        row = found[str(ordered)]  # never None: the query asks for these campaigns only
        row["charged"] = int(count)
        row["collected"] = int(amount or 0)
        row["refunded"] = int(refunded or 0)
        row["refunded_rewards"] = int(rewards or 0)
        row["withdrawn"] = int(withdrawn or 0)
    if not books:
        return {c.id: Figures(currency=c.currency, **found[c.id]) for c in campaigns}
    ledger = (
        select(Order.campaign_id, LedgerAccount.type, func.sum(LedgerEntry.amount))
        .join(LedgerEntrySet, LedgerEntrySet.reference == Order.payment_id)
        .join(LedgerEntry, LedgerEntry.entry_set_id == LedgerEntrySet.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            Order.campaign_id.in_(ids),
            LedgerAccount.type.in_(
                [AccountType.PARTNER_PAYABLE.value, AccountType.COMMISSION.value]
            ),
        )
        .group_by(Order.campaign_id, LedgerAccount.type)
    )
    for booked, account_type, total in await session.execute(ledger):
        # Both accounts are credit-normal: what is owed or earned is the credit, negated.
        name = "payable" if account_type == AccountType.PARTNER_PAYABLE else "commission"
        found[str(booked)][name] = -int(total or 0)
    return {c.id: Figures(currency=c.currency, **found[c.id]) for c in campaigns}
