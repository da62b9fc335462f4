"""The demo's community: hearth's board and the lamp's, with suggestions in every status,
votes, official answers and comments, each counter equal to its rows; seeded once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from hearth import db
from hearth.community.models import Answer, Board, Comment, Suggestion, Vote
from hearth.community.rules import PLATFORM_BOARD, Status
from hearth.demo import seed
from tests.conftest import make_settings


async def test_the_demo_community_has_every_status_answers_and_comments_once(
    tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url)
    await seed(settings)
    await seed(settings)  # a second run changes nothing
    engine = db.create_engine(database_url, pool=False)
    try:
        async with db.session_factory(engine)() as session:
            statuses = set(await session.scalars(select(Suggestion.status)))
            assert statuses == set(Status)
            boards = dict((await session.execute(select(Board.id, Board.suggestion_count))).all())
            assert len(boards) == 2 and boards[PLATFORM_BOARD] == 7  # six ideas and a merged one
            assert (await session.scalar(select(func.count()).select_from(Answer)) or 0) >= 8
            official = await session.scalar(
                select(func.count()).select_from(Comment).where(Comment.official)
            )
            assert official == 2
            merged = (
                await session.execute(
                    select(Suggestion.status, Suggestion.vote_count).where(
                        Suggestion.merged_into_id.is_not(None)
                    )
                )
            ).all()
            assert merged == [(Status.DUPLICATE, 0)]  # its votes moved to dark mode
            for votes, counted in await session.execute(
                select(
                    Suggestion.vote_count,
                    select(func.count())
                    .select_from(Vote)
                    .where(Vote.suggestion_id == Suggestion.id)
                    .scalar_subquery(),
                )
            ):
                assert votes == counted
    finally:
        await engine.dispose()
