"""homes hold their place; automations remember their last run

A home's time zone and location were a row of ``scene_places``, set under Scenes. They
are the home's own now: ``homes.timezone`` (NULL until chosen: UTC stands in, as before),
``homes.latitude`` and ``homes.longitude``, set in the home's settings and read by the
scene runner, the pages and anyone else through ``homes.service``. Each place moves into
its home's row and ``scene_places`` is dropped: one place per home, kept in one place.

``automations.last_run_at`` is when an automation last started a run, for its cooldown
(written only by automations that have one).

Revision ID: b61f0c3a9d27
Revises: a3c5e7f91b20
Create Date: 2026-12-07 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hearth.db

revision: str = "b61f0c3a9d27"
down_revision: str | Sequence[str] | None = "a3c5e7f91b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("homes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
    for column in ("timezone", "latitude", "longitude"):
        op.execute(
            f"UPDATE homes SET {column} = (SELECT scene_places.{column} FROM scene_places "
            "WHERE scene_places.home_id = homes.id)"
        )
    op.drop_table("scene_places")
    with op.batch_alter_table("automations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_run_at", hearth.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("automations", schema=None) as batch_op:
        batch_op.drop_column("last_run_at")
    op.create_table(
        "scene_places",
        sa.Column("home_id", sa.String(length=32), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("updated_at", hearth.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["home_id"],
            ["homes.id"],
            name=op.f("fk_scene_places_home_id_homes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("home_id", name=op.f("pk_scene_places")),
    )
    op.execute(
        "INSERT INTO scene_places (home_id, timezone, latitude, longitude, updated_at) "
        "SELECT id, timezone, latitude, longitude, created_at FROM homes "
        "WHERE timezone IS NOT NULL"
    )
    with op.batch_alter_table("homes", schema=None) as batch_op:
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
        batch_op.drop_column("timezone")
