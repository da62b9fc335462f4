"""community: boards, suggestions with votes, follows, answers and comments, and full-text
search over suggestions (SQLite FTS5 kept by triggers; PostgreSQL a generated tsvector with
a GIN index)

Revision ID: c0a1e5f3b7d9
Revises: 8e3a6c2d5b19
Create Date: 2026-12-07 17:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hearth.db

revision: str = "c0a1e5f3b7d9"
down_revision: str | Sequence[str] | None = "8e3a6c2d5b19"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, hearth.db.UTCDateTime(timezone=True), nullable=nullable)


def _user(name: str, *, primary_key: bool = False) -> sa.Column[object]:
    ondelete = "CASCADE" if primary_key else "SET NULL"
    return sa.Column(
        name,
        sa.String(length=32),
        sa.ForeignKey("users.id", ondelete=ondelete),
        nullable=not primary_key,
        primary_key=primary_key,
    )


# SQLite: an external-content FTS5 index over the suggestions' rowid, kept by triggers. A
# later migration that rebuilds community_suggestions (batch mode) drops these triggers
# with the table and must make them again and rebuild the index.
SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE community_search USING fts5(title, body, "
    "content='community_suggestions', content_rowid='rowid', tokenize='porter unicode61')",
    "CREATE TRIGGER community_search_insert AFTER INSERT ON community_suggestions BEGIN "
    "INSERT INTO community_search(rowid, title, body) VALUES (new.rowid, new.title, new.body); "
    "END",
    "CREATE TRIGGER community_search_delete AFTER DELETE ON community_suggestions BEGIN "
    "INSERT INTO community_search(community_search, rowid, title, body) "
    "VALUES ('delete', old.rowid, old.title, old.body); END",
    "CREATE TRIGGER community_search_update AFTER UPDATE OF title, body "
    "ON community_suggestions BEGIN "
    "INSERT INTO community_search(community_search, rowid, title, body) "
    "VALUES ('delete', old.rowid, old.title, old.body); "
    "INSERT INTO community_search(rowid, title, body) VALUES (new.rowid, new.title, new.body); "
    "END",
)
POSTGRES_SEARCH = (
    "ALTER TABLE community_suggestions ADD COLUMN search tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(body, '')), 'B')) STORED",
    "CREATE INDEX ix_community_suggestions_search ON community_suggestions USING gin (search)",
)


def upgrade() -> None:
    op.create_table(
        "community_boards",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "product_id",
            sa.String(length=32),
            sa.ForeignKey("products.id", ondelete="CASCADE"),
            nullable=True,
            unique=True,
        ),
        sa.Column("suggestion_count", sa.Integer(), nullable=False, server_default="0"),
        _time("created_at"),
        sa.CheckConstraint("suggestion_count >= 0", name="suggestions_not_negative"),
    )
    op.create_table(
        "community_suggestions",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column(
            "board_id",
            sa.String(length=32),
            sa.ForeignKey("community_boards.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _user("author_id"),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False, server_default=""),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False, server_default="open"),
        sa.Column("vote_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("comment_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("trend", sa.Float(), nullable=False, server_default="0"),
        _time("created_at"),
        _time("updated_at"),
        _time("answered_at", nullable=True),
        sa.Column(
            "merged_into_id",
            sa.String(length=32),
            sa.ForeignKey("community_suggestions.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.CheckConstraint("vote_count >= 0", name="votes_not_negative"),
        sa.CheckConstraint("comment_count >= 0", name="comments_not_negative"),
    )
    for name, column in (
        ("trend", "trend"),
        ("votes", "vote_count"),
        ("created", "created_at"),
        ("answered", "answered_at"),
        ("status", "status"),
    ):
        op.create_index(
            f"ix_community_suggestions_board_{name}", "community_suggestions", ["board_id", column]
        )
    op.create_index("ix_community_suggestions_author_id", "community_suggestions", ["author_id"])
    for table in ("community_votes", "community_follows"):
        op.create_table(
            table,
            sa.Column(
                "suggestion_id",
                sa.String(length=32),
                sa.ForeignKey("community_suggestions.id", ondelete="CASCADE"),
                primary_key=True,
            ),
            _user("user_id", primary_key=True),
            _time("created_at"),
        )
        op.create_index(f"ix_{table}_user_id", table, ["user_id"])
    op.create_table(
        "community_answers",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column(
            "suggestion_id",
            sa.String(length=32),
            sa.ForeignKey("community_suggestions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _user("actor_id"),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _time("at"),
    )
    op.create_index("ix_community_answers_suggestion_id", "community_answers", ["suggestion_id"])
    op.create_table(
        "community_comments",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column(
            "suggestion_id",
            sa.String(length=32),
            sa.ForeignKey("community_suggestions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "parent_id",
            sa.String(length=32),
            sa.ForeignKey("community_comments.id", ondelete="CASCADE"),
            nullable=True,
        ),
        _user("author_id"),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("official", sa.Boolean(), nullable=False, server_default=sa.false()),
        _time("created_at"),
        _time("edited_at", nullable=True),
        _time("deleted_at", nullable=True),
    )
    op.create_index(
        "ix_community_comments_suggestion_created",
        "community_comments",
        ["suggestion_id", "created_at"],
    )
    op.create_index("ix_community_comments_parent_id", "community_comments", ["parent_id"])
    statements = SQLITE_SEARCH if op.get_bind().dialect.name == "sqlite" else POSTGRES_SEARCH
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS community_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS community_search")
    op.drop_table("community_comments")
    op.drop_table("community_answers")
    op.drop_table("community_follows")
    op.drop_table("community_votes")
    op.drop_table("community_suggestions")
    op.drop_table("community_boards")
