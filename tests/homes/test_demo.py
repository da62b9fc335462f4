"""The demo fan's homes get rooms, every demo device a room, and a few favourites, once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from hearth import db
from hearth.accounts import service as accounts
from hearth.accounts.models import User
from hearth.bootstrap import Hearth
from hearth.config import Settings
from hearth.homes import board
from hearth.homes import service as homes
from hearth.homes.demo import seed_devices, seed_rooms
from tests.helpers import PASSWORD


async def test_the_demo_homes_are_furnished_with_rooms_once(
    hearth: Hearth, settings: Settings
) -> None:
    async with db.transaction(hearth.sessions) as session:
        await accounts.create_user(
            session, now=datetime.now(UTC), username="fan", password=PASSWORD
        )
    await seed_devices(hearth.sessions, settings, fan="fan")
    await seed_rooms(hearth.sessions, fan="fan")
    await seed_rooms(hearth.sessions, fan="fan")
    async with hearth.sessions() as session:
        fan = await session.scalar(select(User).where(User.username == "fan"))
        assert fan is not None
        boards = {
            home.name: await board.home_board(session, user=fan, home_id=home.id)
            for home, _ in await homes.list_homes(session, user=fan)
        }
    home = boards["Home"]
    assert [r.name for r in home.rooms] == ["Living room", "Bedroom", "Kitchen", "Hall"]
    assert all(g.room is not None for g in home.groups)  # every device has its room
    assert [len(g.cards) for g in home.groups] == [4, 1, 1, 2]
    assert len(home.favourites) == 3
    assert [r.name for r in boards["Weekend cottage"].rooms] == ["Living room", "Porch"]
