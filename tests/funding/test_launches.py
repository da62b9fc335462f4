"""Launch review: a campaign goes live only after the platform team approves it; a launch
sent back is edited and resubmitted; every step is audited and told; nobody else moves it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from hearth.accounts.roles import Role
from hearth.bootstrap import Hearth
from hearth.errors import Conflict, InvalidInput, InvalidTransition, NotFound, PermissionDenied
from hearth.funding import campaigns, launches
from hearth.funding.models import CampaignStep
from hearth.funding.rules import CampaignState, LaunchActor, check_launch_move
from hearth.funding.schemas import CampaignIn
from hearth.notifications.models import Notification
from tests.funding.test_api import campaign_body, send
from tests.funding.world import T0, World, make_world


async def _draft(world: World) -> str:
    return (await world.campaign(publish=False)).id


async def _steps(world: World, campaign_id: str) -> list[tuple[str, str, str | None, str]]:
    async with world.sessions() as session:
        rows = await session.scalars(
            select(CampaignStep)
            .where(CampaignStep.campaign_id == campaign_id)
            .order_by(CampaignStep.id)
        )
        return [(r.from_state, r.to_state, r.actor_id, r.reason) for r in rows]


async def _told(world: World, user_id: str) -> list[tuple[str, str]]:
    async with world.sessions() as session:
        rows = await session.scalars(
            select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
        )
        return [(n.kind, n.title) for n in rows]


def test_the_table_says_who_makes_each_step_of_the_launch_review() -> None:
    partner, reviewer = LaunchActor.PARTNER, LaunchActor.REVIEWER
    check_launch_move(CampaignState.DRAFT, CampaignState.SUBMITTED, actor=partner)
    check_launch_move(CampaignState.SUBMITTED, CampaignState.SCHEDULED, actor=reviewer)
    with pytest.raises(PermissionDenied):
        check_launch_move(CampaignState.SUBMITTED, CampaignState.SCHEDULED, actor=partner)
    with pytest.raises(PermissionDenied):
        check_launch_move(CampaignState.DRAFT, CampaignState.SUBMITTED, actor=reviewer)
    with pytest.raises(InvalidInput, match="say what the partner should change"):
        check_launch_move(CampaignState.SUBMITTED, CampaignState.SENT_BACK, actor=reviewer)
    with pytest.raises(InvalidTransition):  # approval comes only after a submission
        check_launch_move(CampaignState.DRAFT, CampaignState.SCHEDULED, actor=reviewer)


async def test_a_launch_goes_live_only_once_the_platform_team_approves_it(hearth: Hearth) -> None:
    world = await make_world(hearth.sessions)
    campaign_id = await _draft(world)
    async with world.unit() as session:
        made = await launches.submit(session, user=world.partner, campaign_id=campaign_id, now=T0)
        assert made.state == CampaignState.SUBMITTED
        # Its start time has come, but nothing starts a launch nobody approved.
        assert await campaigns.start_due(session, now=T0 + timedelta(hours=1)) == 0
    async with world.unit() as session:
        approved = await launches.approve(
            session, user=world.reviewer, campaign_id=campaign_id, now=T0 + timedelta(hours=2)
        )
        assert approved.state == CampaignState.LIVE  # its start had come: live at once
    assert [(f, t, a) for f, t, a, _ in await _steps(world, campaign_id)] == [
        ("draft", "submitted", world.partner.id),
        ("submitted", "scheduled", world.reviewer.id),
        ("scheduled", "live", None),
    ]
    assert (
        "funding.launch.submitted",
        "Lumi Air 2 was submitted for launch review by Lumi Labs",
    ) in (await _told(world, world.reviewer.id))


async def test_a_launch_sent_back_is_edited_resubmitted_and_approved_every_step_audited(
    hearth: Hearth,
) -> None:
    world = await make_world(hearth.sessions)
    colleague = await world.user("lumi-kai", Role.PARTNER, company="Lumi Labs")
    campaign_id = await _draft(world)
    async with world.unit() as session:
        await launches.submit(session, user=world.partner, campaign_id=campaign_id, now=T0)
    async with world.unit() as session:
        with pytest.raises(InvalidInput, match="say what the partner should change"):
            await launches.send_back(
                session, user=world.reviewer, campaign_id=campaign_id, reason="  ", now=T0
            )
        with pytest.raises(Conflict):  # a submitted launch is the team's to judge, not to edit
            await campaigns.update_campaign(
                session,
                user=world.partner,
                campaign_id=campaign_id,
                draft=CampaignIn(summary="Sneaked in"),
                now=T0,
            )
        await launches.send_back(
            session,
            user=world.reviewer,
            campaign_id=campaign_id,
            reason="Say what is in the box.",
            now=T0 + timedelta(minutes=5),
        )
    async with world.unit() as session:
        await campaigns.update_campaign(
            session,
            user=world.partner,
            campaign_id=campaign_id,
            draft=CampaignIn(summary="A purifier, a filter and a cable"),
            now=T0 + timedelta(minutes=10),
        )
        await launches.submit(
            session, user=world.partner, campaign_id=campaign_id, now=T0 - timedelta(hours=1)
        )
        await launches.approve(
            session,
            user=world.reviewer,
            campaign_id=campaign_id,
            reason="Clear now.",
            now=T0 - timedelta(minutes=30),
        )
    assert await _steps(world, campaign_id) == [
        ("draft", "submitted", world.partner.id, ""),
        ("submitted", "sent_back", world.reviewer.id, "Say what is in the box."),
        ("sent_back", "submitted", world.partner.id, ""),
        ("submitted", "scheduled", world.reviewer.id, "Clear now."),
    ]
    kinds = [kind for kind, _ in await _told(world, colleague.id)]
    assert kinds == [
        "funding.launch.submitted",
        "funding.launch.sent_back",
        "funding.launch.submitted",
        "funding.launch.scheduled",
    ]


async def test_only_the_partner_submits_and_only_the_platform_team_decides(
    hearth: Hearth,
) -> None:
    world = await make_world(hearth.sessions)
    rival = await make_world(hearth.sessions, company="Rival Works")
    fan = await world.user("mia")
    campaign_id = await _draft(world)
    async with world.unit() as session:
        with pytest.raises(NotFound):
            await launches.submit(session, user=rival.partner, campaign_id=campaign_id, now=T0)
        with pytest.raises(PermissionDenied):
            await launches.submit(session, user=world.reviewer, campaign_id=campaign_id, now=T0)
        await launches.submit(session, user=world.partner, campaign_id=campaign_id, now=T0)
    for outsider in (world.partner, rival.partner, fan):
        async with world.unit() as session:
            with pytest.raises(NotFound):
                await launches.approve(session, user=outsider, campaign_id=campaign_id, now=T0)
            with pytest.raises(NotFound):
                await launches.send_back(
                    session, user=outsider, campaign_id=campaign_id, reason="No.", now=T0
                )
    async with world.sessions() as session:
        assert [v.campaign.id for v in await launches.queue(session, user=world.reviewer)] == [
            campaign_id
        ]


async def test_a_launch_whose_dates_have_passed_is_refused_with_the_problem_named(
    hearth: Hearth,
) -> None:
    world = await make_world(hearth.sessions)
    campaign_id = await _draft(world)
    async with world.unit() as session:
        with pytest.raises(InvalidInput) as refused:
            await launches.submit(
                session, user=world.partner, campaign_id=campaign_id, now=T0 + timedelta(days=11)
            )
    assert "Ends at: in the future." in refused.value.sentence


async def test_the_launch_review_over_the_api_queue_send_back_resubmit_approve(
    mall: dict[str, Any],
) -> None:
    leo, ada, mia = (mall["clients"][n] for n in ("leo", "ada", "mia"))
    made = await send(
        leo, "POST", "/api/v1/partner/campaigns", campaign_body(mall["products"]["leo"])
    )
    campaign_id = made.json()["id"]
    submitted = await send(leo, "POST", f"/api/v1/partner/campaigns/{campaign_id}/submit")
    assert submitted.json()["state"] == "submitted"
    [queued] = (await ada.get("/api/v1/platform/launches")).json()
    assert queued["id"] == campaign_id and queued["submitted_at"]
    assert (await mia.get("/api/v1/platform/launches")).status_code == 403
    approve = f"/api/v1/platform/launches/{campaign_id}/approve"
    assert (await send(leo, "POST", approve, {})).status_code == 403
    back = f"/api/v1/platform/launches/{campaign_id}/send-back"
    blank = await send(ada, "POST", back, {"reason": ""})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "reason"
    sent = await send(ada, "POST", back, {"reason": "Show the box."})
    assert sent.json()["state"] == "sent_back"
    patched = await send(
        leo, "PATCH", f"/api/v1/partner/campaigns/{campaign_id}", {"summary": "The box, shown."}
    )
    assert patched.status_code == 200, patched.text
    await send(leo, "POST", f"/api/v1/partner/campaigns/{campaign_id}/submit")
    approved = await send(ada, "POST", approve, {"reason": ""})
    assert approved.json()["state"] in ("scheduled", "live")
    assert (await ada.get("/api/v1/platform/launches")).json() == []
    history = (await leo.get(f"/api/v1/campaigns/{campaign_id}/history")).json()
    assert [(s["from"], s["to"]) for s in history][:4] == [
        ("draft", "submitted"),
        ("submitted", "sent_back"),
        ("sent_back", "submitted"),
        ("submitted", "scheduled"),
    ]
    assert history[1]["reason"] == "Show the box."
