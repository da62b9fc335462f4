"""The demo's money is seeded once, however often the demo starts."""

from __future__ import annotations

from hearth.bootstrap import Hearth
from hearth.config import Settings
from hearth.demo import seed
from hearth.kit.money import Money
from hearth.payments.books import trial_balance
from hearth.payments.reports import platform_report


async def test_seeding_twice_charges_and_pays_out_once(settings: Settings, hearth: Hearth) -> None:
    await seed(settings)
    async with hearth.sessions() as session:
        first = await platform_report(session, currency="CNY")
    await seed(settings)
    async with hearth.sessions() as session:
        again = await platform_report(session, currency="CNY")
        assert not any((await trial_balance(session)).values())
    assert again == first
    # The shop's demo orders and the funding demo's settled campaign both took money.
    assert again.captured > Money(65790, "CNY")
    assert again.refunded >= Money(5000, "CNY")
    assert again.paid_out == Money(30000, "CNY")
    owed = Money.total(again.partners_owed.values(), currency="CNY")
    assert owed + again.commission_earned == again.captured - again.refunded - again.paid_out
