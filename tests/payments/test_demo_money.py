"""The demo's money is seeded once, however often the demo starts."""

from __future__ import annotations

from hearth.config import Settings
from hearth.demo import seed
from hearth.kit.money import Money
from hearth.payments.books import trial_balance
from hearth.payments.reports import platform_report
from hearth.runtime import Hearth


async def test_seeding_twice_charges_and_pays_out_once(settings: Settings, hearth: Hearth) -> None:
    await seed(settings)
    await seed(settings)
    async with hearth.sessions() as session:
        report = await platform_report(session, currency="CNY")
        assert not any((await trial_balance(session)).values())
    assert report.captured == Money(65790, "CNY")
    assert report.refunded == Money(5000, "CNY")
    assert report.paid_out == Money(30000, "CNY")
    [owed] = report.partners_owed.values()
    assert owed + report.commission_earned == Money(65790 - 5000 - 30000, "CNY")
