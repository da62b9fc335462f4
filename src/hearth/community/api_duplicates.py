"""JSON API of duplicates: the suggestions like a title (anyone reads them, as while typing),
and the board owner's merge of a duplicate into another."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from hearth.community import duplicates, suggestions
from hearth.community.schemas import MergeIn, MergeOut, SimilarOut, SuggestionOut
from hearth.community.visibility import Reader
from hearth.errors import Conflict, InvalidInput, InvalidTransition, NotFound, PermissionDenied
from hearth.web.deps import CurrentUser, NowDep, OptionalUser, SessionDep
from hearth.web.openapi import answers

router = APIRouter(prefix="/community", tags=["community"])


@router.get(
    "/boards/{board_id}/similar",
    response_model=list[SimilarOut],
    summary="Find the suggestions like a title",
    responses=answers(NotFound, InvalidInput),
)
async def similar(
    board_id: str,
    session: SessionDep,
    user: OptionalUser,
    title: Annotated[str, Query(max_length=200)],
    limit: Annotated[int, Query(ge=1, le=duplicates.MAX_LIMIT)] = 5,
) -> list[SimilarOut]:
    """The board's suggestions most like ``title``, best first, in any status but merged:
    vote for one of them instead of posting the same again."""
    found = await duplicates.similar(session, board_id, title, limit, reader=Reader.of(user))
    mine = await suggestions.voted(
        session, [m.suggestion.id for m in found], user.id if user else None
    )
    return [SimilarOut.of(m, voted=m.suggestion.id in mine) for m in found]


@router.post(
    "/suggestions/{suggestion_id}/merge",
    response_model=MergeOut,
    summary="Merge a duplicate into another suggestion",
    responses=answers(NotFound, PermissionDenied, Conflict, InvalidTransition),
)
async def merge(
    suggestion_id: str, body: MergeIn, session: SessionDep, user: CurrentUser, now: NowDep
) -> MergeOut:
    """As the board's owner, merge this suggestion into ``into_id`` on the same board: its
    votes (one per person) and followers move there, it becomes a duplicate with an official
    answer linking to the target, and its followers are told."""
    done = await duplicates.merge(
        session,
        user=user,
        suggestion_id=suggestion_id,
        into_id=body.into_id,
        answer=body.answer,
        now=now,
    )
    names = await suggestions.names(session, {done.suggestion.author_id, done.into.author_id})
    voted = await suggestions.voted(session, [done.into.id], user.id)
    return MergeOut(
        suggestion=SuggestionOut.of(done.suggestion, names=names, voted=False),
        into=SuggestionOut.of(done.into, names=names, voted=done.into.id in voted),
        votes_moved=done.votes_moved,
        followers_moved=done.followers_moved,
    )
