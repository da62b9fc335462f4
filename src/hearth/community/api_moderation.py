"""JSON API of community moderation: anyone signed in reports; the platform team (accounts
whose role grants ``Capability.OPERATE``) reads the queue, hides, restores, dismisses,
mutes and unmutes, and reads the audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from hearth.accounts.models import User
from hearth.accounts.roles import Capability
from hearth.community import moderation, suggestions
from hearth.community.models import ModerationAction, Mute
from hearth.community.schemas_moderation import (
    KIND_PATTERN,
    ActionOut,
    ModerateIn,
    MuteIn,
    MuteOut,
    QueueItemOut,
    QueueOut,
    ReportIn,
    ReportOut,
    UnmuteIn,
)
from hearth.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hearth.web.deps import CurrentUser, NowDep, SessionDep, requires
from hearth.web.openapi import answers

router = APIRouter(prefix="/community", tags=["community moderation"])
Moderator = Annotated[User, Depends(requires(Capability.OPERATE))]
Kind = Annotated[
    str, Path(pattern=KIND_PATTERN, description="suggestion, comment, review or question")
]


async def _action_out(session: SessionDep, row: ModerationAction) -> ActionOut:
    names = await suggestions.names(session, {row.actor_id, row.subject_id})
    return ActionOut.of(row, names=names)


async def _mute_out(session: SessionDep, row: Mute) -> MuteOut:
    return MuteOut.of(row, names=await suggestions.names(session, {row.user_id, row.actor_id}))


async def _item_out(session: SessionDep, item: moderation.QueueItem) -> QueueItemOut:
    people = {item.target.author_id} | {r.reporter_id for r in item.reports}
    people |= {a.actor_id for a in item.history} | {a.subject_id for a in item.history}
    return QueueItemOut.of(item, names=await suggestions.names(session, people))


@router.post(
    "/reports",
    response_model=ReportOut,
    status_code=status.HTTP_201_CREATED,
    summary="Report a suggestion, a comment, a review or a question to the moderators",
    responses=answers(NotFound, PermissionDenied, Conflict, InvalidInput),
)
async def report(body: ReportIn, session: SessionDep, user: CurrentUser, now: NowDep) -> ReportOut:
    """Report something written in the community, with a reason (spam, abuse, off-topic,
    personal data, other) and a note. One open report per person per item; not your own."""
    row = await moderation.report(
        session,
        user=user,
        kind=body.target_kind,
        target_id=body.target_id,
        reason=body.reason,
        note=body.note,
        now=now,
    )
    return ReportOut.of(row)


@router.get(
    "/moderation/queue",
    response_model=QueueOut,
    summary="Read the moderation queue",
    responses=answers(PermissionDenied),
)
async def queue(session: SessionDep, user: Moderator) -> QueueOut:
    """The reported items waiting for a moderator, the first reported first, with the
    count of each reason, the reports and what moderators did to them before."""
    items, total = await moderation.queue(session)
    return QueueOut(items=[await _item_out(session, i) for i in items], total=total)


@router.get(
    "/moderation/items/{kind}/{item_id}",
    response_model=QueueItemOut,
    summary="Read a reported or hidden item with its reports and audit",
    responses=answers(NotFound, PermissionDenied),
)
async def item(kind: Kind, item_id: str, session: SessionDep, user: Moderator) -> QueueItemOut:
    """An item, its open reports and every moderator's action on it, oldest first."""
    return await _item_out(session, await moderation.item(session, kind, item_id))


@router.post(
    "/moderation/items/{kind}/{item_id}/hide",
    response_model=ActionOut,
    status_code=status.HTTP_201_CREATED,
    summary="Hide an item",
    responses=answers(NotFound, PermissionDenied, Conflict, InvalidInput),
)
async def hide(
    kind: Kind, item_id: str, body: ModerateIn, session: SessionDep, user: Moderator, now: NowDep
) -> ActionOut:
    """Hide it from everyone but its author and moderators; its reports are resolved and
    its author is told the reason."""
    row = await moderation.hide(
        session, moderator=user, kind=kind, target_id=item_id, reason=body.reason, now=now
    )
    return await _action_out(session, row)


@router.post(
    "/moderation/items/{kind}/{item_id}/restore",
    response_model=ActionOut,
    status_code=status.HTTP_201_CREATED,
    summary="Restore a hidden item",
    responses=answers(NotFound, PermissionDenied, Conflict, InvalidInput),
)
async def restore(
    kind: Kind, item_id: str, body: ModerateIn, session: SessionDep, user: Moderator, now: NowDep
) -> ActionOut:
    """Show it to everyone again; its author is told the reason."""
    row = await moderation.restore(
        session, moderator=user, kind=kind, target_id=item_id, reason=body.reason, now=now
    )
    return await _action_out(session, row)


@router.post(
    "/moderation/items/{kind}/{item_id}/dismiss",
    response_model=ActionOut,
    status_code=status.HTTP_201_CREATED,
    summary="Dismiss an item's reports",
    responses=answers(NotFound, PermissionDenied, Conflict, InvalidInput),
)
async def dismiss(
    kind: Kind, item_id: str, body: ModerateIn, session: SessionDep, user: Moderator, now: NowDep
) -> ActionOut:
    """Leave it as it is and take it off the queue: its open reports are resolved."""
    row = await moderation.dismiss(
        session, moderator=user, kind=kind, target_id=item_id, reason=body.reason, now=now
    )
    return await _action_out(session, row)


@router.get(
    "/moderation/actions",
    response_model=list[ActionOut],
    summary="Read the moderators' latest actions",
    responses=answers(PermissionDenied),
)
async def actions(
    session: SessionDep, user: Moderator, limit: Annotated[int, Query(ge=1, le=200)] = 30
) -> list[ActionOut]:
    """The audit: who hid, restored, dismissed, muted or unmuted what, why and when; newest
    first."""
    rows = await moderation.log(session, limit=limit)
    names = await suggestions.names(
        session, {r.actor_id for r in rows} | {r.subject_id for r in rows}
    )
    return [ActionOut.of(r, names=names) for r in rows]


@router.get(
    "/moderation/mutes",
    response_model=list[MuteOut],
    summary="List the mutes in force",
    responses=answers(PermissionDenied),
)
async def mutes(session: SessionDep, user: Moderator, now: NowDep) -> list[MuteOut]:
    """The people who may not post now, the mute ending first first."""
    rows = await moderation.mutes(session, now=now)
    people: set[str | None] = {r.actor_id for r in rows}
    people |= {r.user_id for r in rows}
    names = await suggestions.names(session, people)
    return [MuteOut.of(r, names=names) for r in rows]


@router.post(
    "/moderation/mutes",
    response_model=MuteOut,
    status_code=status.HTTP_201_CREATED,
    summary="Mute a person",
    responses=answers(NotFound, PermissionDenied, Conflict, InvalidInput),
)
async def mute(body: MuteIn, session: SessionDep, user: Moderator, now: NowDep) -> MuteOut:
    """Stop a person posting suggestions and comments for ``hours`` (1 to 720) or
    ``until`` a moment (at most 30 days ahead); they still read and vote, and are told."""
    row = await moderation.mute(
        session,
        moderator=user,
        user_id=body.user_id,
        reason=body.reason,
        hours=body.hours,
        until=body.until,
        now=now,
    )
    return await _mute_out(session, row)


@router.post(
    "/moderation/mutes/{mute_id}/lift",
    response_model=MuteOut,
    summary="Unmute a person before their mute ends",
    responses=answers(NotFound, PermissionDenied, Conflict, InvalidInput),
)
async def unmute(
    mute_id: str, body: UnmuteIn, session: SessionDep, user: Moderator, now: NowDep
) -> MuteOut:
    """Lift a mute in force; the person is told."""
    row = await moderation.unmute(
        session, moderator=user, mute_id=mute_id, reason=body.reason, now=now
    )
    return await _mute_out(session, row)
