"""community title search: on PostgreSQL a GIN index of the titles' words alone, so a search
ranks the suggestions with every word in their title first, and only those, when they fill
the page: a common word's title matches are a third of all its matches, and ranking every
match (reading each row) was most of a search's time.

SQLite is unchanged: its index ranks only its best matches already (``search.TOP``).

Revision ID: a4d8e2b6c1f9
Revises: f3c9d1e7a5b2
Create Date: 2026-12-08 03:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "a4d8e2b6c1f9"
down_revision: str | Sequence[str] | None = "f3c9d1e7a5b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_community_suggestions_title_search ON community_suggestions "
            "USING gin (to_tsvector('english'::regconfig, title))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_community_suggestions_title_search")
