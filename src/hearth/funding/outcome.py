"""The outcome at the deadline: all or nothing, exactly once, with any number of workers.

``settle`` is what every worker runs on a timer (and tests run with a frozen clock):

1. scheduled campaigns whose start has come go live;
2. live campaigns whose end has come are decided: the move ``live → funded|failed`` is a
   conditional update on the state column, so exactly one worker makes it; a failed
   campaign's pledges are all released and every backer is told;
3. active pledges of funded campaigns are **claimed** in small batches (a lease column,
   taken with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so workers split the work) and
   charged off-session with the key ``pledge:<id>:charge:<attempt>``, with no transaction
   open during the provider call. A success books the capture and creates the order in one
   transaction; a decline opens the backer's retry window (notified); a provider that
   refused the call leaves the pledge to be tried again with the same key; a timeout notes
   the charge as a payment in doubt (``payments.doubts``), and the pledge is not claimed
   again while it is;
4. charges in doubt that are due are asked about (the same call, the same key: the
   provider replays what it did) and settled by the answer: a charge books the order, a
   decline opens the retry window (or, for a backer's own "Pay now", says why); no answer
   leaves it for the next round, and after ``MAX_ASKS`` for the platform team;
5. pledges whose retry window passed are dropped (notified), none whose charge is in
   doubt;
6. funded campaigns with nothing left to charge move on to ``fulfilling``, and those whose
   orders are all shipped or refunded to ``fulfilled``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db
from hearth.accounts.models import User
from hearth.errors import (
    AuthenticationRequired,
    Conflict,
    NotFound,
    PaymentDeclined,
    ProviderTimeout,
    ProviderUnavailable,
)
from hearth.funding import campaigns as campaign_service
from hearth.funding import events
from hearth.funding.models import BackerCard, Campaign, CampaignTier, Order, OrderItem, Pledge
from hearth.funding.pledge_rules import decline_words
from hearth.funding.pledges import own_card
from hearth.funding.rules import (
    DONE_ORDERS,
    DOUBT_GRACE,
    RETRY_WINDOW,
    CampaignState,
    Channel,
    OrderStatus,
    PledgeState,
    Progress,
    outcome_of,
)
from hearth.kit.money import Money
from hearth.notifications import service as notifications
from hearth.outbox import Publish, unit_of_work
from hearth.payments import books, charges, doubts
from hearth.payments.doubt_rules import Subject
from hearth.payments.provider import Payment, PaymentProvider

LEASE = timedelta(minutes=5)


@dataclass
class Settled:
    """What one ``settle`` round did."""

    started: int = 0
    funded: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    charged: int = 0
    payment_failed: int = 0
    retry_later: int = 0
    in_doubt: int = 0  # charges that timed out this round, noted to be asked about
    doubts_settled: int = 0
    dropped: int = 0
    fulfilling: list[str] = field(default_factory=list)
    fulfilled: list[str] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        return bool(
            self.charged
            or self.payment_failed
            or self.retry_later
            or self.in_doubt
            or self.doubts_settled
        )


async def partner_members(session: AsyncSession, partner_id: str) -> list[str]:
    """Return the ids of a partner's members (who run its orders and tickets)."""
    return list(await session.scalars(select(User.id).where(User.partner_id == partner_id)))


def _locking(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def _decide(session: AsyncSession, *, now: datetime, result: Settled) -> None:
    query = select(Campaign).where(
        Campaign.state == CampaignState.LIVE.value, Campaign.ends_at <= now
    )
    if _locking(session):
        query = query.with_for_update(skip_locked=True)
    for campaign in list(await session.scalars(query.limit(20))):
        tiers = list(
            await session.scalars(
                select(CampaignTier).where(CampaignTier.campaign_id == campaign.id)
            )
        )
        progress = Progress(
            campaign.goal, sum(t.pledged for t in tiers), sum(t.pledges for t in tiers)
        )
        target = outcome_of(progress)
        reason = f"{progress.percent}% of goal from {progress.backers} backers"
        if not await campaign_service.move(
            session, campaign, target, actor_id=None, now=now, reason=reason
        ):
            continue  # another worker decided it
        campaign.decided_at = now
        campaign.raised_at_end, campaign.backers_at_end = progress.raised, progress.backers
        members = await partner_members(session, campaign.partner_id)
        if target is CampaignState.FAILED:
            result.failed.append(campaign.id)
            await campaign_service.release_pledges(
                session,
                campaign=campaign,
                why=f"it reached {progress.percent}% of its goal",
                now=now,
            )
        else:
            result.funded.append(campaign.id)
            backers = await campaign_service.backer_ids(session, campaign_id=campaign.id)
            if backers:
                await notifications.notify(
                    session,
                    now=now,
                    user_ids=backers,
                    kind="campaign_funded",
                    title=f"{campaign.title} is funded: your card is being charged",
                    link="/orders",
                )
                events.notified(session, backers)
        if members:
            await notifications.notify(
                session,
                now=now,
                user_ids=members,
                kind=f"campaign_{target.value}",
                title=f"{campaign.title}: {target.value} ({reason})",
                link=f"/partner/campaigns/{campaign.id}",
            )
            events.notified(session, members)


@dataclass(frozen=True)
class _Claim:
    pledge_id: str
    attempt: int
    amount: int
    currency: str
    partner_id: str
    customer_id: str
    method_id: str


async def _claim(session: AsyncSession, *, now: datetime, limit: int) -> list[_Claim]:
    candidates = (
        select(Pledge.id)
        .join(Campaign, Campaign.id == Pledge.campaign_id)
        .where(
            Pledge.state == PledgeState.ACTIVE.value,
            Campaign.state == CampaignState.FUNDED.value,
            (Pledge.lease_until.is_(None)) | (Pledge.lease_until < now),
            # A charge in doubt is asked about, never made again.
            ~doubts.unsettled(Pledge.id),
        )
        .order_by(Pledge.id)
        .limit(limit)
    )
    if _locking(session):
        candidates = candidates.with_for_update(of=Pledge, skip_locked=True)
    ids = list(await session.scalars(candidates))
    if not ids:
        return []
    await session.execute(
        update(Pledge)
        .where(Pledge.id.in_(ids))
        .values(lease_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    rows = await session.execute(
        select(Pledge, Campaign.partner_id, BackerCard.customer_id, BackerCard.method_id)
        .join(Campaign, Campaign.id == Pledge.campaign_id)
        .join(BackerCard, BackerCard.id == Pledge.card_id)
        .where(Pledge.id.in_(ids))
    )
    return [
        _Claim(p.id, p.attempt, p.amount + p.shipping_cost, p.currency, partner, customer, method)
        for p, partner, customer, method in rows
    ]


async def record_paid(
    session: AsyncSession,
    *,
    pledge_id: str,
    payment: Payment,
    provider: str,
    commission_bp: int,
    now: datetime,
) -> Order | None:
    """Book a successful charge and create the order, once; None if already done."""
    pledge = await session.get(Pledge, pledge_id, with_for_update=_locking(session))
    if pledge is None or pledge.state == PledgeState.CHARGED:
        return None
    campaign = await session.get(Campaign, pledge.campaign_id)
    assert campaign is not None
    await books.record_capture(
        session,
        payment=payment,
        partner_id=campaign.partner_id,
        provider=provider,
        commission_bp=commission_bp,
        memo=f"pledge {pledge.id} to {campaign.title}",
        at=now,
    )
    moved = await session.execute(
        update(Pledge)
        .where(
            Pledge.id == pledge.id,
            Pledge.state.in_([PledgeState.ACTIVE.value, PledgeState.PAYMENT_FAILED.value]),
        )
        .values(
            state=PledgeState.CHARGED.value,
            payment_id=payment.id,
            lease_until=None,
            failure="",
            retry_until=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return None
    tier = await session.get(CampaignTier, pledge.tier_id)
    assert tier is not None
    order = Order(
        channel=Channel.CROWDFUNDING.value,
        pledge_id=pledge.id,
        campaign_id=campaign.id,
        partner_id=campaign.partner_id,
        backer_id=pledge.backer_id,
        tier_id=pledge.tier_id,
        quantity=pledge.quantity,
        amount=pledge.amount + pledge.shipping_cost,  # what was charged, shipping included
        refunded=0,
        currency=pledge.currency,
        status=OrderStatus.PAID.value,
        shipping=pledge.shipping,
        payment_id=payment.id,
        card_id=pledge.card_id,
        created_at=now,
    )
    session.add(order)
    await session.flush()
    session.add(
        OrderItem(
            order_id=order.id,
            channel=Channel.CROWDFUNDING.value,
            partner_id=campaign.partner_id,
            product_id=campaign.product_id,
            tier_id=tier.id,
            title=f"{campaign.title}: {tier.title}"[:160],
            quantity=pledge.quantity,
            unit_price=pledge.amount // max(1, pledge.quantity),
            amount=pledge.amount,
            currency=pledge.currency,
            created_at=now,
        )
    )
    await session.flush()
    await notifications.notify(
        session,
        now=now,
        user_ids=[pledge.backer_id],
        kind="order_created",
        title=(
            f"{campaign.title}: paid {Money(pledge.amount + pledge.shipping_cost, pledge.currency)}"
            "; order created"
        ),
        link=f"/orders/{order.id}",
    )
    events.notified(session, [pledge.backer_id])
    return order


def why(err: PaymentDeclined | AuthenticationRequired) -> str:
    """Say why a charge was refused, for the backer."""
    code = err.decline_code if isinstance(err, PaymentDeclined) else "authentication_required"
    return decline_words(code, err.message)


async def _record_failure(
    session: AsyncSession, *, pledge_id: str, attempt: int, why: str, now: datetime
) -> bool:
    moved = await session.execute(
        update(Pledge)
        .where(
            Pledge.id == pledge_id,
            Pledge.attempt == attempt,
            Pledge.state.in_([PledgeState.ACTIVE.value, PledgeState.PAYMENT_FAILED.value]),
        )
        .values(
            state=PledgeState.PAYMENT_FAILED.value,
            failure=why[:200],
            retry_until=now + RETRY_WINDOW,
            lease_until=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return False
    pledge = await session.get(Pledge, pledge_id)
    assert pledge is not None
    await notifications.notify(
        session,
        now=now,
        user_ids=[pledge.backer_id],
        kind="payment_failed",
        title="Your pledge could not be charged: update your card within 3 days",
        body=why,
        link=f"/pledges/{pledge.id}",
    )
    events.notified(session, [pledge.backer_id])
    return True


async def _charge(
    sessions: async_sessionmaker[AsyncSession],
    provider: PaymentProvider,
    publish: Publish,
    claim: _Claim,
    *,
    commission_bp: int,
    now: datetime,
    result: Settled,
) -> None:
    call = doubts.Call(
        customer_id=claim.customer_id,
        method_id=claim.method_id,
        amount=Money(claim.amount, claim.currency),
        reference=claim.pledge_id,
        capture=True,
        off_session=True,
    )
    key = charge_key(claim.pledge_id, claim.attempt)
    try:
        payment = await provider.authorize(
            customer_id=call.customer_id,
            method_id=call.method_id,
            amount=call.amount,
            reference=call.reference,
            idempotency_key=key,
            capture=call.capture,
            off_session=call.off_session,
        )
    except (PaymentDeclined, AuthenticationRequired) as err:
        async with unit_of_work(sessions, publish) as session:
            if await _record_failure(
                session, pledge_id=claim.pledge_id, attempt=claim.attempt, why=why(err), now=now
            ):
                result.payment_failed += 1
        return
    except ProviderUnavailable:
        # Nothing happened: the same attempt, with the same key, is tried on the next round.
        async with db.transaction(sessions) as session:
            await session.execute(
                update(Pledge).where(Pledge.id == claim.pledge_id).values(lease_until=None)
            )
        result.retry_later += 1
        return
    except ProviderTimeout as err:
        # It may have happened: the provider is asked, never charged again meanwhile.
        async with db.transaction(sessions) as session:
            await doubts.record(
                session,
                subject=Subject.PLEDGE,
                subject_id=claim.pledge_id,
                key=key,
                call=call,
                why=err.sentence,
                now=now,
            )
            await session.execute(
                update(Pledge).where(Pledge.id == claim.pledge_id).values(lease_until=None)
            )
        result.in_doubt += 1
        return
    async with unit_of_work(sessions, publish) as session:
        order = await record_paid(
            session,
            pledge_id=claim.pledge_id,
            payment=payment,
            provider=provider.name,
            commission_bp=commission_bp,
            now=now,
        )
        result.charged += order is not None


async def _drop_expired(session: AsyncSession, *, now: datetime, result: Settled) -> None:
    expired = list(
        await session.scalars(
            select(Pledge).where(
                Pledge.state == PledgeState.PAYMENT_FAILED.value,
                Pledge.retry_until <= now,
                # A charge of it may have happened: dropped only once the provider said no.
                ~doubts.unsettled(Pledge.id),
            )
        )
    )
    for pledge in expired:
        moved = await session.execute(
            update(Pledge)
            .where(Pledge.id == pledge.id, Pledge.state == PledgeState.PAYMENT_FAILED.value)
            .values(state=PledgeState.DROPPED.value, holder=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount == 1:  # type: ignore[attr-defined]
            result.dropped += 1
            await notifications.notify(
                session,
                now=now,
                user_ids=[pledge.backer_id],
                kind="pledge_dropped",
                title="Your pledge was dropped: its payment did not go through in time",
                link=f"/pledges/{pledge.id}",
            )
            events.notified(session, [pledge.backer_id])


async def _advance(session: AsyncSession, *, now: datetime, result: Settled) -> None:
    open_pledges = exists().where(
        Pledge.campaign_id == Campaign.id,
        Pledge.state.in_([PledgeState.ACTIVE.value, PledgeState.PAYMENT_FAILED.value]),
    )
    funded = select(Campaign).where(Campaign.state == CampaignState.FUNDED.value, ~open_pledges)
    for campaign in list(await session.scalars(funded.limit(50))):
        if await campaign_service.move(
            session, campaign, CampaignState.FULFILLING, actor_id=None, now=now
        ):
            result.fulfilling.append(campaign.id)
    open_orders = exists().where(
        Order.campaign_id == Campaign.id, Order.status.not_in([s.value for s in DONE_ORDERS])
    )
    fulfilling = select(Campaign).where(
        Campaign.state == CampaignState.FULFILLING.value, ~open_orders
    )
    for campaign in list(await session.scalars(fulfilling.limit(50))):
        if await campaign_service.move(
            session, campaign, CampaignState.FULFILLED, actor_id=None, now=now
        ):
            result.fulfilled.append(campaign.id)


async def settle(
    sessions: async_sessionmaker[AsyncSession],
    provider: PaymentProvider,
    publish: Publish,
    *,
    now: datetime,
    commission_bp: int,
    batch: int = 50,
    rounds: int = 100,
) -> Settled:
    """Run one round of deadline work and return what it did; each of its transactions
    publishes its events once committed."""
    result = Settled()
    async with unit_of_work(sessions, publish) as session:
        result.started = await campaign_service.start_due(session, now=now)
        await _decide(session, now=now, result=result)
    for _ in range(rounds):
        async with db.transaction(sessions) as session:
            claims = await _claim(session, now=now, limit=batch)
        if not claims:
            break
        for claim in claims:
            await _charge(
                sessions,
                provider,
                publish,
                claim,
                commission_bp=commission_bp,
                now=now,
                result=result,
            )
        if (result.retry_later or result.in_doubt) and not (
            result.charged or result.payment_failed
        ):
            break  # the provider is down; the next round tries again
    settled = await settle_doubts(sessions, provider, publish, commission_bp=commission_bp, now=now)
    result.doubts_settled = settled.settled
    async with unit_of_work(sessions, publish) as session:
        await _drop_expired(session, now=now, result=result)
        await _advance(session, now=now, result=result)
    return result


async def retry_payment(
    sessions: async_sessionmaker[AsyncSession],
    provider: PaymentProvider,
    publish: Publish,
    *,
    user: User,
    pledge_id: str,
    card_id: str | None,
    commission_bp: int,
    now: datetime,
) -> Order:
    """Charge a failed pledge again with the backer present (they may pick another card)."""
    async with db.transaction(sessions) as session:
        pledge = await session.get(Pledge, pledge_id)
        if pledge is None or pledge.backer_id != user.id:
            raise NotFound("No such pledge among yours.")
        if pledge.state != PledgeState.PAYMENT_FAILED:
            raise Conflict("Only a pledge whose payment failed is paid again; this one is not.")
        if pledge.retry_until is not None and now >= pledge.retry_until:
            raise Conflict("The time to fix this payment has passed.")
        if await doubts.in_doubt(session, pledge.id):
            # Its last charge may have gone through: paying again could take the money twice.
            raise Conflict(
                "Your last payment is still being confirmed with the payment provider; "
                "look at the pledge again in a few minutes."
            )
        card = await own_card(session, user_id=user.id, card_id=card_id or pledge.card_id)
        attempt = pledge.attempt + 1
        claimed = await session.execute(
            update(Pledge)
            .where(Pledge.id == pledge.id, Pledge.attempt == pledge.attempt)
            .values(attempt=attempt, card_id=card.id, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("this pledge is being charged already")
        amount, currency = pledge.amount + pledge.shipping_cost, pledge.currency
        customer_id, method_id = card.customer_id, card.method_id
    call = doubts.Call(
        customer_id=customer_id,
        method_id=method_id,
        amount=Money(amount, currency),
        reference=pledge_id,
        capture=True,
        off_session=False,
    )
    key = charge_key(pledge_id, attempt)
    try:
        payment = await provider.authorize(
            customer_id=call.customer_id,
            method_id=call.method_id,
            amount=call.amount,
            reference=call.reference,
            idempotency_key=key,
            capture=call.capture,
            off_session=call.off_session,
        )
    except (PaymentDeclined, AuthenticationRequired) as err:
        async with db.transaction(sessions) as session:
            await session.execute(
                update(Pledge).where(Pledge.id == pledge_id).values(failure=why(err)[:200])
            )
        raise
    except ProviderTimeout as err:
        async with db.transaction(sessions) as session:
            await doubts.record(
                session,
                subject=Subject.PLEDGE,
                subject_id=pledge_id,
                key=key,
                call=call,
                why=err.sentence,
                now=now,
            )
        raise
    async with unit_of_work(sessions, publish) as session:
        order = await record_paid(
            session,
            pledge_id=pledge_id,
            payment=payment,
            provider=provider.name,
            commission_bp=commission_bp,
            now=now,
        )
        if order is None:
            raise Conflict("this pledge was paid already")
    return order


def charge_key(pledge_id: str, attempt: int) -> str:
    """Return the idempotency key of a pledge's charge attempt."""
    return f"pledge:{pledge_id}:charge:{attempt}"


def _attempt_of(key: str) -> int:
    return int(key.rsplit(":", 1)[1])


async def settle_doubts(
    sessions: async_sessionmaker[AsyncSession],
    provider: PaymentProvider,
    publish: Publish,
    *,
    commission_bp: int,
    now: datetime,
    limit: int = 50,
) -> doubts.Round:
    """Ask the provider about pledge charges that timed out, and settle what it answers.

    A charge that happened books the order (a pledge in doubt is never charged again nor
    dropped meanwhile); if the pledge was paid another way after all, this charge is booked
    and refunded at once with its own key. A decline of a deadline charge opens the
    backer's retry window; a decline of the backer's own "Pay now" says why on the pledge,
    and, the window having closed while it was in doubt, leaves them ``DOUBT_GRACE`` more."""

    async def settle(
        session: AsyncSession, doubt: doubts.Claimed, answer: doubts.Charged | doubts.Refused
    ) -> doubts.Settlement:
        pledge_id, attempt = doubt.subject_id, _attempt_of(doubt.key)
        if isinstance(answer, doubts.Charged):
            payment = answer.payment
            order = await record_paid(
                session,
                pledge_id=pledge_id,
                payment=payment,
                provider=provider.name,
                commission_bp=commission_bp,
                now=now,
            )
            if order is not None:
                return doubts.Settlement("Charged: the pledge's order is made.")
            pledge = await session.get_one(Pledge, pledge_id, populate_existing=True)
            if pledge.payment_id == payment.id:
                return doubts.Settlement("Charged: the pledge was booked already.")
            campaign = await session.get_one(Campaign, pledge.campaign_id)
            await books.record_capture(
                session,
                payment=payment,
                partner_id=campaign.partner_id,
                provider=provider.name,
                commission_bp=commission_bp,
                memo=f"pledge {pledge.id} to {campaign.title}, paid twice",
                at=now,
            )

            async def refund() -> str:
                await charges.refund(
                    sessions,
                    provider,
                    payment_id=payment.id,
                    idempotency_key=f"{doubt.key}:refund",
                    now=now,
                )
                return "Refunded in full."

            return doubts.Settlement(
                f"Charged, but the pledge is {pledge.state.replace('_', ' ')}.", then=refund
            )
        words = why(answer.error)
        pledge = await session.get_one(Pledge, pledge_id, populate_existing=True)
        if pledge.attempt != attempt:
            return doubts.Settlement(f"Refused ({words}); the pledge had moved on.")
        if pledge.state == PledgeState.ACTIVE:
            await _record_failure(session, pledge_id=pledge_id, attempt=attempt, why=words, now=now)
            return doubts.Settlement(f"Refused ({words}); the backer's retry window is open.")
        if pledge.state != PledgeState.PAYMENT_FAILED:
            return doubts.Settlement(f"Refused ({words}); the pledge is {pledge.state}.")
        until = pledge.retry_until
        if until is None or until < now + DOUBT_GRACE:
            until = now + DOUBT_GRACE
        await session.execute(
            update(Pledge)
            .where(
                Pledge.id == pledge_id,
                Pledge.attempt == attempt,
                Pledge.state == PledgeState.PAYMENT_FAILED.value,
            )
            .values(failure=words[:200], retry_until=until, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        await notifications.notify(
            session,
            now=now,
            user_ids=[pledge.backer_id],
            kind="payment_failed",
            title="Your payment did not go through: pay again with another card",
            body=words,
            link=f"/pledges/{pledge.id}",
        )
        events.notified(session, [pledge.backer_id])
        return doubts.Settlement(f"Refused ({words}); the backer may pay again.")

    return await doubts.settle_round(
        sessions, provider, publish, subject=Subject.PLEDGE, settle=settle, now=now, limit=limit
    )
