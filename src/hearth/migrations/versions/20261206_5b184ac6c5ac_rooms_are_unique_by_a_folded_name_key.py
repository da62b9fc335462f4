"""rooms are unique by a folded name key

Rooms were unique by their exact name while the duplicate check compared the database's
``lower()`` (ASCII only on SQLite) with Python's: "Ä" beside "ä" got in, and a second "Ä"
failed on the constraint. Each room now keeps ``name_key`` (the name in NFKC, case folded,
as a SHA-256 digest), unique within its home. Rooms that already read alike keep the
oldest one's name; the others get " (2)", " (3)"... so that nothing is lost.

Revision ID: 5b184ac6c5ac
Revises: d8cca099414e
Create Date: 2026-12-06 12:32:28.093692
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b184ac6c5ac"
down_revision: str | Sequence[str] | None = "d8cca099414e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_NAME = 80


def _key(name: str) -> str:
    """``hearth.homes.rules.name_key`` as of this revision (frozen here on purpose)."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return hashlib.sha256(" ".join(folded.split()).encode()).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=64), nullable=True))
    rooms = sa.table(
        "rooms",
        sa.column("id", sa.String),
        sa.column("home_id", sa.String),
        sa.column("name", sa.String),
        sa.column("name_key", sa.String),
        sa.column("created_at", sa.DateTime),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(rooms.c.id, rooms.c.home_id, rooms.c.name).order_by(
            rooms.c.home_id, rooms.c.created_at, rooms.c.id
        )
    ).all()
    taken: dict[str, set[str]] = {}
    for room_id, home_id, name in rows:
        seen = taken.setdefault(home_id, set())
        candidate, number = name, 1
        while _key(candidate) in seen:
            number += 1
            suffix = f" ({number})"
            candidate = name[: MAX_NAME - len(suffix)] + suffix
        seen.add(_key(candidate))
        bind.execute(
            rooms.update()
            .where(rooms.c.id == room_id)
            .values(name=candidate, name_key=_key(candidate))
        )
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.alter_column("name_key", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint(batch_op.f("uq_rooms_home_id"), type_="unique")
        batch_op.create_unique_constraint("uq_rooms_home_id_name_key", ["home_id", "name_key"])


def downgrade() -> None:
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.drop_constraint("uq_rooms_home_id_name_key", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_rooms_home_id"), ["home_id", "name"])
        batch_op.drop_column("name_key")
