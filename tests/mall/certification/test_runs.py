"""Runs in the database: a failed run's report page, interrupted runs, one run at a time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from hearth import db
from hearth.accounts.models import User
from hearth.bootstrap import Hearth
from hearth.kit.clock import utcnow
from hearth.mall.certification import service
from hearth.mall.certification.faults import Fault
from hearth.mall.certification.models import CertificationRun
from hearth.mall.certification.runner import Timing
from hearth.outbox import unit_of_work
from tests.helpers import csrf_token, post_json
from tests.mall.flows import approved_partner, draft, move, staff

QUICK = Timing(online_ms=3_000, answer_ms=300, will_ms=600)


async def _start(hearth: Hearth, username: str, pid: str) -> service.Started:
    # A unit of work, as the API's: minting the test unit records DevicesMinted.
    async with unit_of_work(hearth.sessions, hearth.publish) as session:
        user = await session.scalar(select(User).where(User.username == username))
        assert user is not None
        return await service.start_run(
            session,
            user=user,
            product_id=pid,
            device=service.DeviceKind.SIMULATED,
            now=hearth.clock.now(),
        )


async def test_a_failed_run_shows_the_failing_check_with_its_evidence(hearth: Hearth) -> None:
    reviewer = await staff(hearth, "rita")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    pid = await draft(partner)
    started = await _start(hearth, "leo", pid)

    await service.execute(hearth, started.job, timing=QUICK, faults=frozenset({Fault.NO_LAST_WILL}))

    run = (await partner.get(f"/api/v1/certifications/{started.run.id}")).json()
    assert run["status"] == "failed" and run["failed"] == 1
    assert run["reason"] == "failed: last-will"
    page = (await partner.get(f"/certifications/{started.run.id}")).text
    assert "no offline status after the connection dropped within 600 ms" in page
    assert 'data-check="last-will"' in page and "Download JSON report" in page


async def test_only_one_run_of_a_product_runs_at_a_time(hearth: Hearth) -> None:
    reviewer = await staff(hearth, "rita")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    pid = await draft(partner)
    await _start(hearth, "leo", pid)

    again = await post_json(partner, f"/api/v1/products/{pid}/certifications", {})

    assert again.status_code == 409
    assert len((await partner.get(f"/api/v1/products/{pid}/certifications")).json()) == 1


async def test_a_run_whose_process_stopped_is_failed_as_interrupted(hearth: Hearth) -> None:
    reviewer = await staff(hearth, "rita")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    pid = await draft(partner)
    started = await _start(hearth, "leo", pid)
    fresh = (await _start(hearth, "leo", await draft(partner, "Clean Air 4"))).run.id
    async with db.transaction(hearth.sessions) as session:
        await session.execute(
            update(CertificationRun)
            .where(CertificationRun.id == started.run.id)
            .values(beat_at=utcnow() - timedelta(minutes=5))
        )

    assert await service.recover(hearth.sessions) == 1

    run = (await partner.get(f"/api/v1/certifications/{started.run.id}")).json()
    assert run["status"] == "failed" and run["reason"].startswith("interrupted")
    other = (await partner.get(f"/api/v1/certifications/{fresh}")).json()
    assert other["status"] == "running", "a run that still beats is left alone"
    assert (await move(partner, pid, to="submitted")).status_code == 200
    assert (await move(reviewer, pid, to="in_review")).status_code == 200
    assert (await move(reviewer, pid, to="approved")).status_code == 409


async def test_the_runs_page_starts_a_run_and_shows_it(hearth: Hearth) -> None:
    reviewer = await staff(hearth, "rita")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    pid = await draft(partner)
    url = f"/partner/products/{pid}/certification"
    assert "has no passed run yet" in (await partner.get(url)).text

    token = await csrf_token(partner)
    fragment = await partner.post(
        url, data={"csrftoken": token}, headers={"HX-Request": "true", "X-CSRFToken": token}
    )

    assert fragment.status_code == 200
    assert 'data-testid="run"' in fragment.text and "running" in fragment.text
    assert "<html" not in fragment.text, "htmx gets the list, not a page"
