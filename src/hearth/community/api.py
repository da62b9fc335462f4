"""JSON API of the fan community: boards and their suggestions (anyone reads them), posting,
votes, follows, comments (signed in), and answers (the board's owner alone)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from hearth.accounts.models import User
from hearth.community import (
    boards,
    comments,
    duplicates,
    images,
    releases,
    search,
    suggestions,
    votes,
)
from hearth.community.boards import Mine
from hearth.community.models import Comment, Suggestion
from hearth.community.rules import Status
from hearth.community.schemas import (
    AnswerIn,
    AnswerOut,
    BoardOut,
    CommentEditIn,
    CommentIn,
    CommentOut,
    FollowOut,
    SuggestionDetailOut,
    SuggestionIn,
    SuggestionOut,
    SuggestionPageOut,
    VoteOut,
)
from hearth.community.schemas_releases import ShippedInOut, SuggestionImageOut
from hearth.community.visibility import Reader
from hearth.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    LooksLikeDuplicate,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from hearth.web.deps import CurrentUser, NowDep, OptionalUser, SessionDep
from hearth.web.openapi import answers

router = APIRouter(prefix="/community", tags=["community"])
MineQuery = Annotated[str, Query(pattern="^(all|owned|backed)$")]


async def _out(session: SessionDep, row: Suggestion, *, viewer: User | None) -> SuggestionOut:
    names = await suggestions.names(session, {row.author_id})
    voted, _ = await suggestions.reader_state(
        session, suggestion_id=row.id, user_id=viewer.id if viewer else None
    )
    return SuggestionOut.of(row, names=names, voted=voted)


async def _comment_out(session: SessionDep, row: Comment) -> CommentOut:
    return CommentOut.of(row, names=await suggestions.names(session, {row.author_id}))


@router.get("/boards", response_model=list[BoardOut], summary="List the community's boards")
async def list_boards(
    session: SessionDep, user: OptionalUser, mine: MineQuery = Mine.ALL
) -> list[BoardOut]:
    """hearth's board, then every approved product's; ``mine=owned`` or ``mine=backed`` keeps
    the products with a device in your homes, or that you pledged for or bought."""
    views = await boards.list_boards(session, user=user, mine=mine)
    return [BoardOut.of(v) for v in views]


@router.get(
    "/boards/{board_id}",
    response_model=BoardOut,
    summary="Read a board",
    responses=answers(NotFound),
)
async def get_board(board_id: str, session: SessionDep) -> BoardOut:
    """Return a board: who answers it and its categories."""
    return BoardOut.of(await boards.board(session, board_id))


@router.get(
    "/boards/{board_id}/suggestions",
    response_model=SuggestionPageOut,
    summary="List a board's suggestions",
    responses=answers(NotFound, InvalidInput),
)
async def list_suggestions(
    board_id: str,
    session: SessionDep,
    user: OptionalUser,
    sort: Annotated[str | None, Query(pattern="^(trending|top|newest|answered)$")] = None,
    status_is: Annotated[Status | None, Query(alias="status")] = None,
    category: Annotated[str | None, Query(max_length=24)] = None,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=suggestions.MAX_PAGE)] = 1,
) -> SuggestionPageOut:
    """One page of suggestions: by trending (votes halved every 72 hours of age), top,
    newest or recently answered; filtered by status and category; with ``q`` only those
    whose title or body match its words (best match first unless ``sort`` is given)."""
    found = await suggestions.listing(
        session,
        board_id=board_id,
        sort=sort,
        status=status_is,
        category=category,
        query=q,
        page=page,
        viewer_id=user.id if user else None,
        reader=Reader.of(user),
    )
    names = await suggestions.names(session, {s.author_id for s in found.items})
    return SuggestionPageOut(
        items=[SuggestionOut.of(s, names=names, voted=s.id in found.voted) for s in found.items],
        total=found.total,
        page=found.page,
        pages=found.pages,
    )


@router.post(
    "/boards/{board_id}/suggestions",
    response_model=SuggestionOut,
    status_code=status.HTTP_201_CREATED,
    summary="Suggest something on a board",
    responses=answers(NotFound, RateLimited, LooksLikeDuplicate),
)
async def post_suggestion(
    board_id: str, body: SuggestionIn, session: SessionDep, user: CurrentUser, now: NowDep
) -> SuggestionOut:
    """Post a suggestion; you vote for it and follow it. A title near-identical to one on
    the board still taking votes answers 409 with that one as ``match``: vote for it, or
    send again with ``confirm_distinct: true``."""
    row = await duplicates.post(
        session,
        user=user,
        board_id=board_id,
        title=body.title,
        body=body.body,
        category=body.category,
        now=now,
        confirm_distinct=body.confirm_distinct,
    )
    return await _out(session, row, viewer=user)


@router.get(
    "/search",
    response_model=list[SuggestionOut],
    summary="Search suggestions on every board",
)
async def search_suggestions(
    session: SessionDep,
    user: OptionalUser,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> list[SuggestionOut]:
    """Return the suggestions whose title or body match the words of ``q``, best first."""
    rows = await search.search(session, q, limit=limit, reader=Reader.of(user))
    names = await suggestions.names(session, {s.author_id for s in rows})
    mine = await suggestions.voted(session, [s.id for s in rows], user.id if user else None)
    return [SuggestionOut.of(s, names=names, voted=s.id in mine) for s in rows]


@router.get(
    "/suggestions/{suggestion_id}",
    response_model=SuggestionDetailOut,
    summary="Read a suggestion with its answers and comments",
    responses=answers(NotFound),
)
async def get_suggestion(
    suggestion_id: str, session: SessionDep, user: OptionalUser
) -> SuggestionDetailOut:
    """Return a suggestion, its board, its history of official answers and its comments."""
    reader = Reader.of(user)
    row = await suggestions.get(session, suggestion_id, reader=reader)
    view = await boards.board(session, row.board_id)
    history = await suggestions.history(session, row.id)
    threads = await comments.threads(session, row.id, reader=reader)
    people = {row.author_id} | {a.actor_id for a in history}
    people |= {t.comment.author_id for t in threads}
    people |= {r.author_id for t in threads for r in t.replies}
    names = await suggestions.names(session, people)
    voted, following = await suggestions.reader_state(
        session, suggestion_id=row.id, user_id=user.id if user else None
    )
    return SuggestionDetailOut(
        suggestion=SuggestionOut.of(row, names=names, voted=voted),
        board=BoardOut.of(view),
        following=following,
        history=[AnswerOut.of(a, names=names) for a in history],
        comments=[CommentOut.thread(t, names=names) for t in threads],
        images=[
            SuggestionImageOut.of(i)
            for i in await images.listing(session, row.id, reader=Reader.of(user))
        ],
        shipped_in=next(
            (ShippedInOut.of(r) for r in (await releases.shipped_in(session, [row.id])).values()),
            None,
        ),
    )


@router.put(
    "/suggestions/{suggestion_id}/vote",
    response_model=VoteOut,
    summary="Vote for a suggestion",
    responses=answers(NotFound, Conflict),
)
async def vote(suggestion_id: str, session: SessionDep, user: CurrentUser, now: NowDep) -> VoteOut:
    """Vote (once: voting again changes nothing) and follow the suggestion."""
    count = await votes.vote(session, user_id=user.id, suggestion_id=suggestion_id, now=now)
    return VoteOut(voted=True, votes=count)


@router.delete(
    "/suggestions/{suggestion_id}/vote",
    response_model=VoteOut,
    summary="Withdraw your vote",
    responses=answers(NotFound, Conflict),
)
async def unvote(suggestion_id: str, session: SessionDep, user: CurrentUser) -> VoteOut:
    """Withdraw your vote, if you gave one; you keep following."""
    count = await votes.unvote(session, user_id=user.id, suggestion_id=suggestion_id)
    return VoteOut(voted=False, votes=count)


@router.put(
    "/suggestions/{suggestion_id}/follow",
    response_model=FollowOut,
    summary="Follow a suggestion",
    responses=answers(NotFound, Conflict),
)
async def follow(
    suggestion_id: str, session: SessionDep, user: CurrentUser, now: NowDep
) -> FollowOut:
    """Be told of the suggestion's answers."""
    await votes.follow(session, user_id=user.id, suggestion_id=suggestion_id, now=now)
    return FollowOut(following=True)


@router.delete(
    "/suggestions/{suggestion_id}/follow",
    response_model=FollowOut,
    summary="Stop following a suggestion",
    responses=answers(NotFound, Conflict),
)
async def unfollow(suggestion_id: str, session: SessionDep, user: CurrentUser) -> FollowOut:
    """Stop being told of the suggestion's answers."""
    await votes.unfollow(session, user_id=user.id, suggestion_id=suggestion_id)
    return FollowOut(following=False)


@router.post(
    "/suggestions/{suggestion_id}/answers",
    response_model=AnswerOut,
    status_code=status.HTTP_201_CREATED,
    summary="Answer a suggestion and move its status",
    responses=answers(NotFound, PermissionDenied, InvalidTransition),
)
async def answer(
    suggestion_id: str, body: AnswerIn, session: SessionDep, user: CurrentUser, now: NowDep
) -> AnswerOut:
    """As the board's owner (the platform team on hearth's board, the product's partner on
    its own), move the status with a public answer; the followers are told."""
    row = await suggestions.answer(
        session,
        user=user,
        suggestion_id=suggestion_id,
        status=body.status,
        body=body.answer,
        now=now,
    )
    return AnswerOut.of(row, names=await suggestions.names(session, {row.actor_id}))


@router.post(
    "/suggestions/{suggestion_id}/comments",
    response_model=CommentOut,
    status_code=status.HTTP_201_CREATED,
    summary="Comment on a suggestion",
    responses=answers(NotFound, Conflict, RateLimited),
)
async def post_comment(
    suggestion_id: str, body: CommentIn, session: SessionDep, user: CurrentUser, now: NowDep
) -> CommentOut:
    """Comment, or reply to a comment (replies are one level deep)."""
    row = await comments.post(
        session,
        user=user,
        suggestion_id=suggestion_id,
        body=body.body,
        parent_id=body.parent_id,
        now=now,
    )
    return await _comment_out(session, row)


@router.patch(
    "/comments/{comment_id}",
    response_model=CommentOut,
    summary="Edit your comment",
    responses=answers(NotFound, PermissionDenied, Conflict),
)
async def edit_comment(
    comment_id: str, body: CommentEditIn, session: SessionDep, user: CurrentUser, now: NowDep
) -> CommentOut:
    """Change your own comment, within 15 minutes of posting it."""
    row = await comments.edit(session, user=user, comment_id=comment_id, body=body.body, now=now)
    return await _comment_out(session, row)


@router.delete(
    "/comments/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete your comment",
    responses=answers(NotFound, PermissionDenied),
)
async def delete_comment(
    comment_id: str, session: SessionDep, user: CurrentUser, now: NowDep
) -> Response:
    """Delete your own comment: its words go, replies to it stay."""
    await comments.delete(session, user=user, comment_id=comment_id, now=now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
