"""The platform team sees charges in doubt and asks about one once more, over real HTTP:
as JSON and on its page, where a refusal re-renders the page with the reason."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hearth.bootstrap import Hearth
from hearth.kit.money import Money
from hearth.payments import doubts
from hearth.payments.doubt_rules import MAX_ASKS, Subject
from hearth.payments.models import PaymentDoubt
from tests.helpers import csrf_token
from tests.payments.test_ledger_api import as_user


async def _waiting(hearth: Hearth) -> str:
    """Note a charge that timed out, and let it go unanswered until a person must look."""
    now = hearth.clock.now()
    call = doubts.Call("cus_x", "pm_x", Money(24900, "CNY"), "plg_x", True, True)
    async with hearth.sessions() as session, session.begin():
        await doubts.record(
            session,
            subject=Subject.PLEDGE,
            subject_id="plg_x",
            key="pledge:plg_x:charge:1",
            call=call,
            why="The provider did not answer in time.",
            now=now,
        )
        row = (await session.scalars(select(PaymentDoubt))).one()
        row.state, row.asks = "review", MAX_ASKS
        row.answer = "The provider did not answer in time."
        row.created_at = now - timedelta(hours=9)
        return row.id


async def test_the_platform_team_lists_a_charge_waiting_for_a_person_and_asks_again(
    hearth: Hearth,
) -> None:
    doubt_id = await _waiting(hearth)
    async with as_user(hearth, "ada") as ada:
        listed = (await ada.get("/api/v1/ledger/doubts", params={"state": "review"})).json()
        assert [(d["id"], d["amount"]["display"], d["asks"]) for d in listed] == [
            (doubt_id, "¥249.00", MAX_ASKS)
        ]
        page = await ada.get("/platform/payments")
        assert page.status_code == 200 and "Waiting for a person · 1" in page.text
        assert "¥249.00" in page.text and "pledge:plg_x:charge:1" in page.text

        asked = await ada.post(
            f"/platform/payments/{doubt_id}/ask", data={"csrftoken": await csrf_token(ada)}
        )
        assert asked.status_code == 303 and asked.headers["location"].startswith(
            "/platform/payments?done=asked"
        )
        again = await ada.post(
            f"/platform/payments/{doubt_id}/ask", data={"csrftoken": await csrf_token(ada)}
        )
        # The page comes back with the reason, and the doubt is listed as being asked.
        assert again.status_code == 409
        assert "being asked about already" in again.text and "Being asked · 1" in again.text
        one = (await ada.get("/api/v1/ledger/doubts")).json()[0]
        assert one["state"] == "open" and one["asks"] == MAX_ASKS - 1
        refused = await ada.post(
            f"/api/v1/ledger/doubts/{doubt_id}/ask",
            headers={"X-CSRFToken": await csrf_token(ada)},
        )
        assert refused.status_code == 409 and refused.json()["error"] == "conflict"


async def test_a_fan_may_not_see_charges_in_doubt(hearth: Hearth) -> None:
    await _waiting(hearth)
    async with as_user(hearth, "mia") as mia:
        assert (await mia.get("/api/v1/ledger/doubts")).status_code == 403
        assert (await mia.get("/platform/payments")).status_code == 403
