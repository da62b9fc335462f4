"""The ledger's pages: a partner's statement for its members, the platform report, any
partner's statement and the payouts for the platform team; each with a CSV export. And
the platform team's page of charges in doubt (``/platform/payments``), where one that
waits for a person may be asked about once more.

A period is chosen in whole days of the viewer's zone (the last day included) and read as
the half-open UTC period the reports take. Figures are in one currency at a time: a
partner's own (the currencies its account holds), or any the books hold for the platform.
A period that cannot be read re-renders the page with the problem named and the fields kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.errors import Conflict, InvalidInput, NotFound
from hearth.kit.money import EXPONENTS, Money
from hearth.mall.models import Partner, Product
from hearth.payments import doubts, reports
from hearth.payments.doubt_rules import DoubtState
from hearth.payments.ledger import Reason
from hearth.web.deps import NowDep, SessionDep, requires
from hearth.web.templating import render
from hearth.web.timefmt import viewer_zone

router = APIRouter(include_in_schema=False)
PartnerUser = Annotated[User, Depends(requires(Capability.PARTNER_CONSOLE))]
Bookkeeper = Annotated[User, Depends(requires(Capability.VIEW_LEDGER))]
DayText = Annotated[str, Query(max_length=10)]
CurrencyText = Annotated[str, Query(max_length=3)]
FALLBACK_CURRENCY = "CNY"


@dataclass(frozen=True)
class Period:
    """The period and currency a ledger page shows, as asked and as the reports take them."""

    currency: str
    currencies: list[str]
    start_text: str
    end_text: str
    start: datetime | None
    end: datetime | None

    def query(self) -> str:
        """Return the query string that asks for this period again (for the CSV link)."""
        return f"currency={self.currency}&start={self.start_text}&end={self.end_text}"


def _day(text: str, field: str, problems: list[dict[str, str]]) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        problems.append({"field": field, "message": "a date such as 2026-12-31"})
        return None


def period_of(
    *, currency: str, start: str, end: str, known: list[str], zone: tzinfo
) -> tuple[Period, InvalidInput | None]:
    """Read the page's period in ``zone`` (the end day included); a bad field is named and
    the period falls back to all time."""
    problems: list[dict[str, str]] = []
    chosen = currency.strip().upper() or (known[0] if known else FALLBACK_CURRENCY)
    if chosen not in EXPONENTS:
        problems.append({"field": "currency", "message": "a currency code such as CNY"})
        chosen = known[0] if known else FALLBACK_CURRENCY
    first, last = _day(start, "start", problems), _day(end, "end", problems)
    if first is not None and last is not None and last < first:
        problems.append({"field": "end", "message": "on or after the first day"})
    begins = ends = None
    if not problems:
        begins = datetime.combine(first, time(0), tzinfo=zone) if first else None
        if last is not None:
            ends = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    shown = sorted({*known, chosen})
    period = Period(chosen, shown, start.strip(), end.strip(), begins, ends)
    return period, InvalidInput.fields(problems) if problems else None


async def _partner_currencies(session: AsyncSession, partner_id: str) -> list[str]:
    found = await reports.currencies(session, partner_id=partner_id)
    if not found:
        query = select(Product.currency).where(Product.partner_id == partner_id).distinct()
        found = sorted(await session.scalars(query))
    return found


async def _names(session: AsyncSession) -> dict[str, str]:
    return {pid: name for pid, name in await session.execute(select(Partner.id, Partner.name))}


def _csv(text: str, filename: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def _statement_page(
    request: Request,
    session: AsyncSession,
    user: User,
    *,
    partner_id: str,
    currency: str,
    start: str,
    end: str,
    csv: bool,
    base: str,
    active: str,
) -> Response:
    partner = await session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(f"no partner {partner_id}")
    known = await _partner_currencies(session, partner_id)
    period, problem = period_of(
        currency=currency, start=start, end=end, known=known, zone=viewer_zone(request)
    )
    found = await reports.statement_for(
        session,
        user=user,
        partner_id=partner_id,
        currency=period.currency,
        start=period.start,
        end=period.end,
    )
    if csv and problem is None:
        return _csv(reports.statement_csv(found), f"statement-{partner.slug}-{period.currency}.csv")
    return render(
        request,
        "payments/statement.html",
        user=user,
        active=active,
        partner=partner,
        statement=found,
        period=period,
        base=base,
        reasons=Reason,
        error=problem.sentence if problem else None,
        status_code=problem.status if problem else 200,
    )


@router.get("/partner/statement")
async def partner_statement(
    request: Request,
    session: SessionDep,
    user: PartnerUser,
    currency: CurrencyText = "",
    start: DayText = "",
    end: DayText = "",
) -> Response:
    return await _statement_page(
        request,
        session,
        user,
        partner_id=user.partner_id or "",
        currency=currency,
        start=start,
        end=end,
        csv=False,
        base="/partner/statement",
        active="partner",
    )


@router.get("/partner/statement.csv")
async def partner_statement_csv(
    request: Request,
    session: SessionDep,
    user: PartnerUser,
    currency: CurrencyText = "",
    start: DayText = "",
    end: DayText = "",
) -> Response:
    return await _statement_page(
        request,
        session,
        user,
        partner_id=user.partner_id or "",
        currency=currency,
        start=start,
        end=end,
        csv=True,
        base="/partner/statement",
        active="partner",
    )


@router.get("/platform/ledger/partners/{partner_id}")
async def platform_statement(
    request: Request,
    partner_id: str,
    session: SessionDep,
    user: Bookkeeper,
    currency: CurrencyText = "",
    start: DayText = "",
    end: DayText = "",
) -> Response:
    return await _statement_page(
        request,
        session,
        user,
        partner_id=partner_id,
        currency=currency,
        start=start,
        end=end,
        csv=False,
        base=f"/platform/ledger/partners/{partner_id}",
        active="platform",
    )


@router.get("/platform/ledger/partners/{partner_id}/statement.csv")
async def platform_statement_csv(
    request: Request,
    partner_id: str,
    session: SessionDep,
    user: Bookkeeper,
    currency: CurrencyText = "",
    start: DayText = "",
    end: DayText = "",
) -> Response:
    return await _statement_page(
        request,
        session,
        user,
        partner_id=partner_id,
        currency=currency,
        start=start,
        end=end,
        csv=True,
        base=f"/platform/ledger/partners/{partner_id}",
        active="platform",
    )


async def _report(
    request: Request, session: AsyncSession, user: User, currency: str, start: str, end: str
) -> tuple[Period, InvalidInput | None, reports.PlatformReport, dict[str, str]]:
    known = await reports.currencies(session)
    period, problem = period_of(
        currency=currency, start=start, end=end, known=known, zone=viewer_zone(request)
    )
    found = await reports.platform_report(
        session, currency=period.currency, start=period.start, end=period.end
    )
    return period, problem, found, await _names(session)


@router.get("/platform/ledger")
async def platform_ledger(
    request: Request,
    session: SessionDep,
    user: Bookkeeper,
    currency: CurrencyText = "",
    start: DayText = "",
    end: DayText = "",
) -> Response:
    period, problem, found, names = await _report(request, session, user, currency, start, end)
    return render(
        request,
        "payments/report.html",
        user=user,
        active="platform",
        report=found,
        names=names,
        period=period,
        base="/platform/ledger",
        error=problem.sentence if problem else None,
        status_code=problem.status if problem else 200,
    )


@router.get("/platform/ledger.csv")
async def platform_ledger_csv(
    request: Request,
    session: SessionDep,
    user: Bookkeeper,
    currency: CurrencyText = "",
    start: DayText = "",
    end: DayText = "",
) -> Response:
    period, problem, found, names = await _report(request, session, user, currency, start, end)
    if problem is not None:
        raise problem
    return _csv(reports.report_csv(found, names), f"platform-report-{period.currency}.csv")


async def _payouts(
    request: Request, session: AsyncSession, currency: str, start: str, end: str
) -> tuple[Period, InvalidInput | None, list[reports.PayoutLine], dict[str, str]]:
    known = await reports.currencies(session)
    period, problem = period_of(
        currency=currency, start=start, end=end, known=known, zone=viewer_zone(request)
    )
    lines = await reports.payouts(
        session, currency=period.currency, start=period.start, end=period.end
    )
    return period, problem, lines, await _names(session)


@router.get("/platform/payouts")
async def platform_payouts(
    request: Request,
    session: SessionDep,
    user: Bookkeeper,
    currency: CurrencyText = "",
    start: DayText = "",
    end: DayText = "",
) -> Response:
    period, problem, lines, names = await _payouts(request, session, currency, start, end)
    return render(
        request,
        "payments/payouts.html",
        user=user,
        active="platform",
        lines=lines,
        names=names,
        total=Money.total((line.amount for line in lines), currency=period.currency),
        period=period,
        base="/platform/payouts",
        error=problem.sentence if problem else None,
        status_code=problem.status if problem else 200,
    )


@router.get("/platform/payouts.csv")
async def platform_payouts_csv(
    request: Request,
    session: SessionDep,
    user: Bookkeeper,
    currency: CurrencyText = "",
    start: DayText = "",
    end: DayText = "",
) -> Response:
    period, problem, lines, names = await _payouts(request, session, currency, start, end)
    if problem is not None:
        raise problem
    return _csv(reports.payouts_csv(lines, names), f"payouts-{period.currency}.csv")


async def _doubts_page(
    request: Request,
    session: AsyncSession,
    user: User,
    *,
    done: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    rows = await doubts.listing(session)
    return render(
        request,
        "payments/doubts.html",
        user=user,
        active="platform",
        review=[d for d in rows if d.state == DoubtState.REVIEW],
        asking=[d for d in rows if d.state == DoubtState.OPEN],
        settled=[d for d in rows if d.state == DoubtState.SETTLED][:50],
        amounts={d.id: Money(d.amount, d.currency).format() for d in rows},
        done=done == "asked",
        error=error,
        status_code=status_code,
    )


@router.get("/platform/payments")
async def payments_in_doubt(
    request: Request, session: SessionDep, user: Bookkeeper, done: DayText = ""
) -> Response:
    return await _doubts_page(request, session, user, done=done)


@router.post("/platform/payments/{doubt_id}/ask")
async def ask_about_payment(
    request: Request, doubt_id: str, session: SessionDep, user: Bookkeeper, now: NowDep
) -> Response:
    try:
        await doubts.ask_again(session, user=user, doubt_id=doubt_id, now=now)
    except Conflict as err:
        return await _doubts_page(
            request, session, user, error=err.sentence, status_code=err.status
        )
    return RedirectResponse(f"/platform/payments?done=asked#{doubt_id}", status_code=303)
