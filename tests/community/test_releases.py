"""Release notes: publishing ships the cited suggestions through the status workflow and tells
each follower once; a refused citation changes nothing; only the board's owner publishes and
edits; the changelog lists notes newest first; the Atom feed is valid Atom."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from hearth.bootstrap import Hearth
from hearth.community import feed, moderation, releases, suggestions, votes
from hearth.community.boards import board
from hearth.community.events import ReleasePublished, SuggestionAnswered
from hearth.community.models import Answer, Release, ReleaseItem, Suggestion
from hearth.community.release_rules import (
    day_problem,
    ship_problem,
    shipped_title,
    version_problem,
)
from hearth.community.rules import PLATFORM_BOARD, Status
from hearth.errors import InvalidInput, NotFound, PermissionDenied
from hearth.notifications.models import Notification
from tests.community.world import T0, CommunityWorld, build

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
async def world(hearth: Hearth) -> CommunityWorld:
    return await build(hearth)


async def _post(world: CommunityWorld, who: str, title: str, *, board_id: str) -> str:
    async with world.unit() as session:
        row = await suggestions.post(
            session, user=world.people[who], board_id=board_id, title=title, body="",
            category="feature", now=T0,
        )  # fmt: skip
        return row.id


async def _move(world: CommunityWorld, owner: str, sid: str, status: Status) -> None:
    async with world.unit() as session:
        await suggestions.answer(
            session, user=world.people[owner], suggestion_id=sid, status=status,
            body="Noted.", now=T0 + timedelta(minutes=1),
        )  # fmt: skip


async def _publish(
    world: CommunityWorld, who: str, board_id: str, version: str, cited: list[str], **extra: object
) -> releases.ReleaseView:
    async with world.unit() as session:
        return await releases.publish(
            session,
            user=world.people[who],
            board_id=board_id,
            version=version,
            title=str(extra.get("title", "The winter update")),
            body=str(extra.get("body", "Warmer light and a *sunset*.")),
            suggestion_ids=cited,
            day=extra.get("day"),  # type: ignore[arg-type]
            now=T0 + timedelta(hours=2),
        )


async def _notices(world: CommunityWorld, who: str) -> list[Notification]:
    async with world.sessions() as session:
        return list(
            await session.scalars(
                select(Notification).where(
                    Notification.user_id == world.people[who].id,
                    Notification.kind.like("community.%"),
                )
            )
        )


async def test_publishing_ships_each_cited_suggestion_and_tells_each_follower_once(
    world: CommunityWorld,
) -> None:
    lamp = world.products["Glow Lamp"]
    warm = await _post(world, "mia", "A warmer 2200 K setting", board_id=lamp)
    sunset = await _post(world, "tom", "A sunset for falling asleep", board_id=lamp)
    await _move(world, "leo", warm, Status.PLANNED)
    async with world.unit() as session:  # kai follows both; tom follows his own only
        await votes.vote(session, user_id=world.people["kai"].id, suggestion_id=warm, now=T0)
        await votes.vote(session, user_id=world.people["kai"].id, suggestion_id=sunset, now=T0)
    before = {who: len(await _notices(world, who)) for who in ("mia", "tom", "kai")}

    note = await _publish(world, "leo", lamp, "1.4", [warm, sunset])

    assert [s.id for s in note.shipped] == [warm, sunset]
    async with world.sessions() as session:
        for sid in (warm, sunset):
            row = await suggestions.get(session, sid)
            assert row.status == Status.DONE
            last = (await suggestions.history(session, sid))[-1]
            assert last.to_status == Status.DONE and last.actor_id == world.people["leo"].id
            assert f"](/community/boards/{lamp}/changelog#v1.4)" in last.body
        shipped = await releases.shipped_in(session, [warm, sunset])
    assert {sid: s.version for sid, s in shipped.items()} == {warm: "1.4", sunset: "1.4"}
    new = {who: (await _notices(world, who))[before[who] :] for who in ("mia", "tom", "kai")}
    assert [n.title for n in new["mia"]] == [
        'Your suggestion "A warmer 2200 K setting" shipped in Glow Lamp 1.4.'
    ]
    assert [n.title for n in new["tom"]] == [
        'Your suggestion "A sunset for falling asleep" shipped in Glow Lamp 1.4.'
    ]
    # kai follows both: one notice naming both, and no "answered" notice from the moves.
    assert [(n.kind, n.title) for n in new["kai"]] == [
        (
            "community.shipped",
            'Your suggestions "A warmer 2200 K setting" and "A sunset for falling asleep" '
            "shipped in Glow Lamp 1.4.",
        )
    ]
    assert new["kai"][0].link == f"/community/boards/{lamp}/changelog#v1.4"
    assert not await _notices(world, "leo")  # the publisher is not told of their own note
    moved = [e for e in world.published if isinstance(e, SuggestionAnswered)]
    assert {(e.suggestion_id, e.to_status) for e in moved} >= {(warm, "done"), (sunset, "done")}
    assert (
        ReleasePublished(
            release_id=note.release.id, board_id=lamp, version="1.4", suggestion_ids=(warm, sunset)
        )
        in world.published
    )


@pytest.mark.parametrize("closing", [Status.DECLINED, Status.DUPLICATE, Status.DONE])
async def test_a_citation_that_cannot_move_to_done_refuses_the_note_and_changes_nothing(
    world: CommunityWorld, closing: Status
) -> None:
    good = await _post(world, "mia", "Dark mode", board_id=PLATFORM_BOARD)
    bad = await _post(world, "tom", "Widgets on the home screen", board_id=PLATFORM_BOARD)
    await _move(world, "ada", bad, closing)
    async with world.sessions() as session:
        answers_before = await session.scalar(select(func.count()).select_from(Answer))
    with pytest.raises(InvalidInput) as refused:
        await _publish(world, "ada", PLATFORM_BOARD, "2026.49", [good, bad])
    assert "“Widgets on the home screen” is" in refused.value.sentence
    assert refused.value.sentence.startswith("Suggestions: ")
    assert refused.value.sentence.endswith(".")
    async with world.sessions() as session:
        assert (await suggestions.get(session, good)).status == Status.OPEN
        assert await session.scalar(select(func.count()).select_from(Release)) == 0
        assert await session.scalar(select(func.count()).select_from(Answer)) == answers_before
    assert not [n for n in await _notices(world, "mia") if n.kind == "community.shipped"]


async def test_a_suggestion_of_another_board_or_none_at_all_refuses_the_note(
    world: CommunityWorld,
) -> None:
    lamp, vacuum = world.products["Glow Lamp"], world.products["Nova Vacuum"]
    mine = await _post(world, "mia", "Brighter", board_id=lamp)
    theirs = await _post(world, "tom", "Quieter", board_id=vacuum)
    with pytest.raises(InvalidInput) as refused:
        await _publish(world, "leo", lamp, "1.4", [mine, theirs, "sug_nothing"])
    messages = [p["message"] for p in refused.value.problems()]
    assert messages == ["“Quieter” is on another board", "there is no suggestion 'sug_nothing'"]
    async with world.sessions() as session:
        assert (await suggestions.get(session, mine)).status == Status.OPEN
        assert (await suggestions.get(session, theirs)).status == Status.OPEN


async def test_only_the_boards_owner_publishes_a_note(world: CommunityWorld) -> None:
    lamp = world.products["Glow Lamp"]
    sid = await _post(world, "mia", "Brighter", board_id=lamp)
    for outsider in ("mia", "rita", "ada"):  # a fan, the rival partner, the platform team
        with pytest.raises(PermissionDenied):
            await _publish(world, outsider, lamp, "1.4", [sid])
    for outsider in ("mia", "leo", "rita"):  # on hearth's board only the platform team
        with pytest.raises(PermissionDenied):
            await _publish(world, outsider, PLATFORM_BOARD, "1.4", [])
    async with world.sessions() as session:
        assert (await suggestions.get(session, sid)).status == Status.OPEN
        assert await session.scalar(select(func.count()).select_from(Release)) == 0


async def test_a_version_is_unique_on_its_board_but_boards_may_share_one(
    world: CommunityWorld,
) -> None:
    lamp, vacuum = world.products["Glow Lamp"], world.products["Nova Vacuum"]
    await _publish(world, "leo", lamp, "1.4", [])
    await _publish(world, "rita", vacuum, "1.4", [])
    with pytest.raises(InvalidInput) as refused:
        await _publish(world, "leo", lamp, "1.4", [])
    assert refused.value.problems()[0]["field"] == "version"
    with pytest.raises(InvalidInput) as bad:
        await _publish(world, "leo", lamp, "1.4 beta", [], title="  ")
    assert {p["field"] for p in bad.value.problems()} == {"version", "title"}


def test_versions_and_dates_are_checked_as_a_person_would_expect() -> None:
    assert version_problem("1.4") is None and version_problem("2026.49") is None
    assert version_problem("v2.0-beta") is None
    for bad in ("", "1.4 ", "-1", "1.", "../x", "a" * 25, "1/4"):
        assert version_problem(bad) is not None, bad
    today = date(2026, 12, 7)
    assert day_problem(date(2026, 11, 30), today=today) is None
    assert day_problem(date(2026, 12, 8), today=today) is None  # a maker ahead of UTC
    assert day_problem(date(2026, 12, 9), today=today) == "may not be in the future"
    assert day_problem(date(1999, 12, 31), today=today) is not None


def test_only_a_suggestion_that_may_move_to_done_may_ship() -> None:
    assert [s for s in Status if ship_problem(s) is None] == [
        Status.OPEN, Status.UNDER_REVIEW, Status.PLANNED, Status.IN_PROGRESS
    ]  # fmt: skip
    assert ship_problem(Status.DECLINED) == "is declined and cannot move to done"
    assert ship_problem(Status.DUPLICATE) == "is a duplicate of another and cannot move to done"
    assert ship_problem(Status.DONE) == "is done already"


def test_a_shipped_notice_fits_the_inbox_however_long_the_titles() -> None:
    long = ["x" * 120, "y" * 120]
    said = shipped_title(long, board="Glow Lamp", version="1.4", limit=200)
    assert said == "2 suggestions you follow shipped in Glow Lamp 1.4."
    one = shipped_title(["z" * 200], board="Glow Lamp", version="1.4", limit=200)
    assert len(one) <= 200 and one.endswith('…" shipped in Glow Lamp 1.4.')


async def test_a_dated_note_reads_as_that_day_and_the_changelog_lists_newest_first(
    world: CommunityWorld,
) -> None:
    await _publish(world, "ada", PLATFORM_BOARD, "2026.47", [], day=date(2026, 11, 20))
    await _publish(world, "ada", PLATFORM_BOARD, "2026.48", [], day=date(2026, 11, 27))
    await _publish(world, "ada", PLATFORM_BOARD, "2026.49", [])
    with pytest.raises(InvalidInput) as ahead:
        await _publish(world, "ada", PLATFORM_BOARD, "2027.1", [], day=date(2027, 1, 1))
    assert ahead.value.problems() == [{"field": "date", "message": "may not be in the future"}]
    async with world.sessions() as session:
        notes = await releases.changelog(session, board_id=PLATFORM_BOARD)
    assert [n.release.version for n in notes] == ["2026.49", "2026.48", "2026.47"]
    assert notes[0].release.released_at == T0 + timedelta(hours=2)
    assert notes[2].release.released_at.date() == date(2026, 11, 20)


async def test_the_owner_edits_a_notes_words_and_its_citations_stay(
    world: CommunityWorld,
) -> None:
    lamp = world.products["Glow Lamp"]
    sid = await _post(world, "mia", "Brighter", board_id=lamp)
    await _publish(world, "leo", lamp, "1.4", [sid])
    async with world.unit() as session:
        edited = await releases.edit(
            session, user=world.people["leo"], board_id=lamp, version="1.4",
            title="The bright update", body="Now **brighter**.", now=T0 + timedelta(days=1),
        )  # fmt: skip
    assert (edited.release.title, edited.release.body) == ("The bright update", "Now **brighter**.")
    assert edited.release.updated_at == T0 + timedelta(days=1)
    for outsider in ("mia", "rita"):
        with pytest.raises(PermissionDenied):
            async with world.unit() as session:
                await releases.edit(
                    session, user=world.people[outsider], board_id=lamp, version="1.4",
                    title="Hacked", now=T0,
                )  # fmt: skip
    with pytest.raises(NotFound):
        async with world.unit() as session:
            await releases.edit(
                session, user=world.people["leo"], board_id=lamp, version="9.9", title="x",
                now=T0,
            )  # fmt: skip
    async with world.sessions() as session:
        note = await releases.get(session, board_id=lamp, version="1.4")
        items = await session.scalar(select(func.count()).select_from(ReleaseItem))
    assert note.release.title == "The bright update" and [s.id for s in note.shipped] == [sid]
    assert items == 1


async def test_the_changelog_feed_is_atom_with_stable_ids_and_sanitised_content(
    world: CommunityWorld,
) -> None:
    sid = await _post(world, "mia", "Dark <mode> & more", board_id=PLATFORM_BOARD)
    await _publish(
        world, "ada", PLATFORM_BOARD, "2026.49", [sid],
        body="Hello <script>alert(1)</script> **bold** [x](javascript:alert(1))",
    )  # fmt: skip

    async def document() -> bytes:
        async with world.sessions() as session:
            view = await board(session, PLATFORM_BOARD)
            notes = await releases.changelog(session, board_id=PLATFORM_BOARD)
        return feed.atom(view, notes, base="https://hearth.example.com/")

    first, second = await document(), await document()
    assert first == second  # the same notes make the same document
    root = ET.fromstring(first)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}id") == "urn:hearth:community:changelog:hearth"
    assert root.findtext(f"{ATOM}updated")
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {
        "alternate": "https://hearth.example.com/community/boards/hearth/changelog",
        "self": "https://hearth.example.com/community/boards/hearth/changelog.atom",
    }
    [entry] = root.findall(f"{ATOM}entry")
    async with world.sessions() as session:
        release_id = await session.scalar(select(Release.id))
    assert entry.findtext(f"{ATOM}id") == f"urn:hearth:community:release:{release_id}"
    assert entry.findtext(f"{ATOM}title") == "hearth 2026.49: The winter update"
    assert entry.findtext(f"{ATOM}updated") and entry.findtext(f"{ATOM}published")
    content = entry.find(f"{ATOM}content")
    assert content is not None and content.get("type") == "html"
    html = content.text or ""
    assert "<strong>bold</strong>" in html and "<script>" not in html
    assert 'href="javascript:' not in html
    assert f'href="https://hearth.example.com/community/suggestions/{sid}"' in html
    assert "Dark &lt;mode&gt; &amp; more" in html


async def test_a_suggestion_moved_back_from_done_no_longer_reads_as_shipped(
    world: CommunityWorld,
) -> None:
    sid = await _post(world, "mia", "Dark mode", board_id=PLATFORM_BOARD)
    await _publish(world, "ada", PLATFORM_BOARD, "2026.49", [sid])
    await _move(world, "ada", sid, Status.IN_PROGRESS)
    async with world.sessions() as session:
        assert await releases.shipped_in(session, [sid]) == {}
        row = await session.get(Suggestion, sid)
        assert row is not None and row.status == Status.IN_PROGRESS


async def test_a_shipped_suggestion_a_moderator_hid_leaves_the_changelog(
    world: CommunityWorld,
) -> None:
    kept = await _post(world, "mia", "Dark mode", board_id=PLATFORM_BOARD)
    hidden = await _post(world, "mia", "Buy cheap plugs at deals.example", board_id=PLATFORM_BOARD)
    await _publish(world, "ada", PLATFORM_BOARD, "2026.49", [kept, hidden])
    async with world.unit() as session:
        await moderation.hide(
            session, moderator=world.people["ada"], kind="suggestion", target_id=hidden,
            reason="An advert.", now=T0 + timedelta(hours=3),
        )  # fmt: skip
    async with world.sessions() as session:
        (note,) = await releases.changelog(session, board_id=PLATFORM_BOARD)
        again = await releases.get(session, board_id=PLATFORM_BOARD, version="2026.49")
    assert [s.id for s in note.shipped] == [s.id for s in again.shipped] == [kept]
