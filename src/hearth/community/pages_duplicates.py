"""Pages of duplicates: the list of similar suggestions under the title field of the
new-suggestion form (an htmx fragment, fetched as the fan types), and the board owner's
merge form on a suggestion's page."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from hearth.community import duplicates, suggestions
from hearth.community.pages import _act, back
from hearth.community.rules import STATUS_LABELS, VOTABLE
from hearth.community.schemas import MergeForm
from hearth.community.visibility import Reader
from hearth.errors import HearthError
from hearth.web.deps import CurrentUser, NowDep, OptionalUser, SessionDep
from hearth.web.templating import render

router = APIRouter(include_in_schema=False)
_LINKED = re.compile(r"(?:^|/community/suggestions/)(sug_[0-9a-z]+)/?(?:[?#].*)?$")


@router.get("/community/boards/{board_id}/similar")
async def similar_fragment(
    request: Request,
    board_id: str,
    session: SessionDep,
    user: OptionalUser,
    title: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """Show the suggestions like the title being typed (a fragment of the new-suggestion
    form), each with its votes, status and a button to vote for it instead."""
    found = (
        await duplicates.similar(session, board_id, title, reader=Reader.of(user))
        if title.strip()
        else []
    )
    mine = await suggestions.voted(
        session, [m.suggestion.id for m in found], user.id if user else None
    )
    return render(
        request,
        "community/_similar.html",
        user=user,
        matches=found,
        voted_ids=mine,
        status_labels={str(k): v for k, v in STATUS_LABELS.items()},
        votable={str(s) for s in VOTABLE},
    )


def _target(form: MergeForm) -> str:
    """Read the target from the form: a pasted link or id wins over the list's choice."""
    pasted = form.into_link.strip()
    if pasted:
        found = _LINKED.search(pasted)
        return found.group(1) if found else pasted
    return form.into.strip()


@router.post("/community/suggestions/{suggestion_id}/merge")
async def merge(
    request: Request,
    suggestion_id: str,
    form: Annotated[MergeForm, Form()],
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> Response:
    """Merge a duplicate into another suggestion, as the board's owner; then show the target."""
    try:
        done = await duplicates.merge(
            session,
            user=user,
            suggestion_id=suggestion_id,
            into_id=_target(form),
            answer=form.answer,
            now=now,
        )
    except HearthError as err:
        if err.status == 403:
            raise
        values = {"merge_answer": form.answer, "into": form.into, "into_link": form.into_link}
        return await _act(request, session, user, suggestion_id, err, now=now, values=values)
    return back(f"/community/suggestions/{done.into.id}")
