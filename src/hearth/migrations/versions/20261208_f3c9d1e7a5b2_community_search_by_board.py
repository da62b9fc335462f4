"""community search by board: SQLite's full-text index also holds each suggestion's board
(a column of its own, a phrase no search of words can meet), so a board's search asks the
index for the board's matches alone, instead of ranking every board's and keeping one's

PostgreSQL is unchanged: its planner joins the board's index with the text index already.

Revision ID: f3c9d1e7a5b2
Revises: e8a2c4f6b1d3
Create Date: 2026-12-08 01:00:00.000000
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from alembic import op

revision: str = "f3c9d1e7a5b2"
down_revision: str | Sequence[str] | None = "e8a2c4f6b1d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _triggers(columns: str, values: Callable[[str], str]) -> tuple[str, ...]:
    return (
        "CREATE TRIGGER community_search_insert AFTER INSERT ON community_suggestions BEGIN "
        f"INSERT INTO community_search(rowid, {columns}) VALUES (new.rowid, {values('new')}); "
        "END",
        "CREATE TRIGGER community_search_delete AFTER DELETE ON community_suggestions BEGIN "
        f"INSERT INTO community_search(community_search, rowid, {columns}) "
        f"VALUES ('delete', old.rowid, {values('old')}); END",
        "CREATE TRIGGER community_search_update AFTER UPDATE OF title, body "
        "ON community_suggestions BEGIN "
        f"INSERT INTO community_search(community_search, rowid, {columns}) "
        f"VALUES ('delete', old.rowid, {values('old')}); "
        f"INSERT INTO community_search(rowid, {columns}) VALUES (new.rowid, {values('new')}); "
        "END",
    )


def _rebuild(columns: str, row: Callable[[str], str]) -> None:
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS community_search_{trigger}")
    op.execute("DROP TABLE community_search")
    op.execute(
        f"CREATE VIRTUAL TABLE community_search USING fts5({columns}, "
        "content='community_suggestions', content_rowid='rowid', tokenize='porter unicode61', "
        "prefix='2 3')"
    )
    op.execute("INSERT INTO community_search(community_search) VALUES ('rebuild')")
    for statement in _triggers(columns, row):
        op.execute(statement)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # A suggestion never moves to another board: the update trigger need not watch it.
        _rebuild("title, body, board_id", lambda r: f"{r}.title, {r}.body, {r}.board_id")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild("title, body", lambda r: f"{r}.title, {r}.body")
