"""Partner invitations over HTTP: by username or single-use link, expiring, never crossing
to another company or to platform staff."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update

from hearth.accounts.roles import Role
from hearth.bootstrap import Hearth
from hearth.kit.clock import utcnow
from hearth.mall.models import PartnerInvitation
from tests.helpers import post_json
from tests.mall.flows import approved_partner, draft, fan, staff


async def test_a_fan_joins_with_a_link_and_then_works_on_the_company_products(
    hearth: Hearth,
) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    pid = await draft(partner)
    made = await post_json(partner, "/api/v1/partner/invitations", {})
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    assert made.json()["link"] == f"/partner/join/{token}"

    newcomer = await fan(hearth, "zoe")
    assert (await newcomer.get(f"/api/v1/products/{pid}")).status_code == 404
    joined = await post_json(newcomer, "/api/v1/partner/invitations/accept", {"token": token})
    assert joined.status_code == 200, joined.text
    me = (await newcomer.get("/api/v1/me")).json()
    assert me["role"] == "partner"
    assert (await newcomer.get(f"/api/v1/products/{pid}")).status_code == 200
    names = [m["username"] for m in (await partner.get("/api/v1/partner/members")).json()]
    assert sorted(names) == ["leo", "zoe"]
    listed = (await partner.get("/api/v1/partner/invitations")).json()
    assert listed[0]["used_at"] is not None and listed[0]["token"] is None


async def test_a_link_works_once(hearth: Hearth) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    token = (await post_json(partner, "/api/v1/partner/invitations", {})).json()["token"]
    first = await fan(hearth, "zoe")
    second = await fan(hearth, "max")

    assert (
        await post_json(first, "/api/v1/partner/invitations/accept", {"token": token})
    ).status_code == 200
    again = await post_json(second, "/api/v1/partner/invitations/accept", {"token": token})
    assert again.status_code == 409
    assert "already used" in again.json()["detail"]
    assert (await second.get("/api/v1/me")).json()["role"] == "fan"


async def test_an_expired_or_withdrawn_link_is_refused(hearth: Hearth) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    expired = (await post_json(partner, "/api/v1/partner/invitations", {"days": 1})).json()
    withdrawn = (await post_json(partner, "/api/v1/partner/invitations", {})).json()
    async with hearth.sessions() as session, session.begin():
        await session.execute(
            update(PartnerInvitation)
            .where(PartnerInvitation.id == expired["id"])
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    revoked = await post_json(partner, f"/api/v1/partner/invitations/{withdrawn['id']}/revoke", {})
    assert revoked.status_code == 200
    newcomer = await fan(hearth, "zoe")

    late = await post_json(
        newcomer, "/api/v1/partner/invitations/accept", {"token": expired["token"]}
    )
    assert late.status_code == 409 and "expired" in late.json()["detail"]
    gone = await post_json(
        newcomer, "/api/v1/partner/invitations/accept", {"token": withdrawn["token"]}
    )
    assert gone.status_code == 409 and "withdrawn" in gone.json()["detail"]
    unknown = await post_json(
        newcomer, "/api/v1/partner/invitations/accept", {"token": "made-up-token"}
    )
    assert unknown.status_code == 404
    assert (await newcomer.get("/api/v1/me")).json()["role"] == "fan"


async def test_an_invitation_by_username_is_accepted_only_by_its_invitee(hearth: Hearth) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    invitee = await fan(hearth, "zoe")
    other = await fan(hearth, "max")

    made = await post_json(partner, "/api/v1/partner/invitations", {"username": "Zoe"})
    assert made.status_code == 201 and made.json()["token"] is None
    received = (await invitee.get("/api/v1/partner/invitations/received")).json()
    assert [r["partner"] for r in received] == ["Zhimi Labs"]
    assert (await other.get("/api/v1/partner/invitations/received")).json() == []
    inbox = (await invitee.get("/api/v1/notifications")).json()
    assert any("Zhimi Labs" in n["title"] for n in inbox["items"])

    stolen = await post_json(
        other, "/api/v1/partner/invitations/accept", {"invitation_id": made.json()["id"]}
    )
    assert stolen.status_code == 404
    accepted = await post_json(
        invitee, "/api/v1/partner/invitations/accept", {"invitation_id": made.json()["id"]}
    )
    assert accepted.status_code == 200
    assert (await invitee.get("/api/v1/me")).json()["role"] == "partner"


@pytest.mark.parametrize(
    ("who", "status"),
    [("another partner's member", 409), ("a reviewer", 409), ("nobody", 404)],
)
async def test_cannot_invite_someone_who_may_not_join(
    hearth: Hearth, who: str, status: int
) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    await approved_partner(hearth, reviewer, "kim", "Rival Corp")
    await staff(hearth, "rex", Role.REVIEWER)
    username = {"another partner's member": "kim", "a reviewer": "rex", "nobody": "ghost"}[who]

    refused = await post_json(partner, "/api/v1/partner/invitations", {"username": username})

    assert refused.status_code == status, refused.text
    assert (await partner.get("/api/v1/partner/invitations")).json() == []


async def test_a_member_of_one_company_cannot_use_or_see_another_company_invitations(
    hearth: Hearth,
) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    rival = await approved_partner(hearth, reviewer, "kim", "Rival Corp")
    made = (await post_json(partner, "/api/v1/partner/invitations", {})).json()
    someone = await fan(hearth, "mia")

    joined = await post_json(rival, "/api/v1/partner/invitations/accept", {"token": made["token"]})
    assert joined.status_code == 409
    assert (await rival.get("/api/v1/partner/invitations")).json() == []
    revoked = await post_json(rival, f"/api/v1/partner/invitations/{made['id']}/revoke", {})
    assert revoked.status_code == 404
    assert (await someone.get("/api/v1/partner/members")).status_code == 403
    fan_invites = await post_json(someone, "/api/v1/partner/invitations", {})
    assert fan_invites.status_code == 403
    assert fan_invites.json()["error"] == "permission_denied"
    listed = (await partner.get("/api/v1/partner/invitations")).json()
    assert listed[0]["revoked_at"] is None and listed[0]["used_at"] is None


async def test_two_people_racing_for_one_link_let_exactly_one_in(hearth: Hearth) -> None:
    reviewer = await staff(hearth, "ada")
    partner = await approved_partner(hearth, reviewer, "leo", "Zhimi Labs")
    token = (await post_json(partner, "/api/v1/partner/invitations", {})).json()["token"]
    racers = [await fan(hearth, "zoe"), await fan(hearth, "max")]

    answers = await asyncio.gather(
        *(post_json(r, "/api/v1/partner/invitations/accept", {"token": token}) for r in racers)
    )

    assert sorted(a.status_code for a in answers) == [200, 409]
    roles = [(await r.get("/api/v1/me")).json()["role"] for r in racers]
    assert sorted(roles) == ["fan", "partner"]
    assert len((await partner.get("/api/v1/partner/members")).json()) == 2
