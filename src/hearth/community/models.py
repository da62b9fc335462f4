"""Tables of the fan community.

Counters (a suggestion's votes and comments, a board's suggestions) live on their rows and
change in the same transaction as the rows they count, by conditional SQL (``votes.py``), so
they always equal a count of those rows and a list never counts rows to show a number.

Full-text search is kept by the database: on SQLite an FTS5 table ``community_search`` that
triggers keep in step with ``community_suggestions``; on PostgreSQL a generated ``tsvector``
column ``search`` with a GIN index. Both are made by the migration alone (neither can be
declared portably), and read only by ``search.py``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hearth.db import Base, UTCDateTime
from hearth.kit.ids import new_id


class Board(Base):
    """Where fans suggest: hearth's own (key ``hearth``) or a product's (key: its id).

    A product's board row is made the first time something is posted on it; until then the
    board exists as its approved product and reads empty."""

    __tablename__ = "community_boards"
    __table_args__ = (CheckConstraint("suggestion_count >= 0", name="suggestions_not_negative"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    product_id: Mapped[str | None] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), unique=True
    )
    suggestion_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Suggestion(Base):
    """One fan's suggestion on a board, its status and its counters."""

    __tablename__ = "community_suggestions"
    __table_args__ = (
        CheckConstraint("vote_count >= 0", name="votes_not_negative"),
        CheckConstraint("comment_count >= 0", name="comments_not_negative"),
        Index("ix_community_suggestions_board_trend", "board_id", "trend"),
        Index("ix_community_suggestions_board_votes", "board_id", "vote_count"),
        Index("ix_community_suggestions_board_created", "board_id", "created_at"),
        Index("ix_community_suggestions_board_answered", "board_id", "answered_at"),
        Index("ix_community_suggestions_board_status", "board_id", "status"),
        Index("ix_community_suggestions_author_created", "author_id", "created_at"),
        Index("ix_community_suggestions_created_at", "created_at"),  # insights: a day's
        # A filtered listing counts its matches from this index alone (bench/community.py).
        Index("ix_community_suggestions_board_category_status", "board_id", "category", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("sug"))
    board_id: Mapped[str] = mapped_column(ForeignKey("community_boards.id", ondelete="CASCADE"))
    author_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, as written
    category: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default="open")
    vote_count: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    # ``rules.trend_key`` of the vote count and creation time: listing by trending sorts on it.
    trend: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A duplicate merged into another points to it (merging itself is not built yet).
    merged_into_id: Mapped[str | None] = mapped_column(
        ForeignKey("community_suggestions.id", ondelete="SET NULL")
    )
    # Set while a moderator hides it (``moderation.py``): only its author and moderators see it.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Vote(Base):
    """One person's vote for one suggestion (at most one: the primary key)."""

    __tablename__ = "community_votes"

    suggestion_id: Mapped[str] = mapped_column(
        ForeignKey("community_suggestions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Follow(Base):
    """One person following one suggestion: they are told of its answers."""

    __tablename__ = "community_follows"

    suggestion_id: Mapped[str] = mapped_column(
        ForeignKey("community_suggestions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Answer(Base):
    """One move of a suggestion's status by its board's owner, with the public answer given:
    the suggestion's history, newest last."""

    __tablename__ = "community_answers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("ans"))
    suggestion_id: Mapped[str] = mapped_column(
        ForeignKey("community_suggestions.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)  # Markdown
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Comment(Base):
    """A comment on a suggestion, or a reply to one (one level deep: a reply's parent is never
    a reply). ``official`` is fixed when posted: the author spoke for the board's owner."""

    __tablename__ = "community_comments"
    __table_args__ = (
        Index("ix_community_comments_suggestion_created", "suggestion_id", "created_at"),
        Index("ix_community_comments_author_created", "author_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("cmt"))
    suggestion_id: Mapped[str] = mapped_column(
        ForeignKey("community_suggestions.id", ondelete="CASCADE")
    )
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("community_comments.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)  # Markdown; emptied when deleted
    official: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set while a moderator hides it (``moderation.py``): only its author and moderators see it.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# -- release notes and images on suggestions ------------------------------------------------


class Release(Base):
    """A release note of a board (the weekly update): published by the board's owner, it
    ships the suggestions it cites (``ReleaseItem``). Its version is unique on its board and
    names it in addresses; its words may be edited later, its citations never."""

    __tablename__ = "community_releases"
    __table_args__ = (
        UniqueConstraint("board_id", "version", name="uq_community_releases_board_version"),
        Index("ix_community_releases_board_released", "board_id", "released_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("rel"))
    board_id: Mapped[str] = mapped_column(ForeignKey("community_boards.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, as written
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The day it is shown as published (``release_rules.released_at``), and the real moments
    # it was posted and last edited.
    released_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReleaseItem(Base):
    """A suggestion a release note shipped."""

    __tablename__ = "community_release_items"

    release_id: Mapped[str] = mapped_column(
        ForeignKey("community_releases.id", ondelete="CASCADE"), primary_key=True
    )
    suggestion_id: Mapped[str] = mapped_column(
        ForeignKey("community_suggestions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)  # the order it was cited in


class SuggestionImage(Base):
    """An image its author added to a suggestion, kept in the upload storage under ``key``."""

    __tablename__ = "community_suggestion_images"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("simg"))
    suggestion_id: Mapped[str] = mapped_column(
        ForeignKey("community_suggestions.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# -- moderation: reports, the moderators' audit, mutes (``moderation.py``) -----------------


class Report(Base):
    """One person's report of something written in the community (``target_kind`` and
    ``target_id``: a suggestion, comment, review or question), with a reason and a note. At
    most one open report per person per item (the partial unique index); resolved when a
    moderator dismisses the item's reports or hides it."""

    __tablename__ = "community_reports"
    __table_args__ = (
        Index(
            "uq_community_reports_open",
            "target_kind",
            "target_id",
            "reporter_id",
            unique=True,
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
        Index("ix_community_reports_target", "target_kind", "target_id"),
        Index("ix_community_reports_open", "resolved_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("rep"))
    target_kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(32))
    reporter_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The moderator's action that resolved it (a dismissal or a hide).
    action_id: Mapped[str | None] = mapped_column(
        ForeignKey("community_moderation_actions.id", ondelete="SET NULL")
    )


class ModerationAction(Base):
    """One thing a moderator did (``rules.Action``): to an item (a suggestion, a comment) or
    to a person (a mute), who did it, why and when. Never changed: the audit trail."""

    __tablename__ = "community_moderation_actions"
    __table_args__ = (
        Index("ix_community_moderation_actions_target", "target_kind", "target_id", "at"),
        Index("ix_community_moderation_actions_at", "at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("mod"))
    action: Mapped[str] = mapped_column(String(16))
    target_kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(32))
    # The person it concerns: the item's author, or the one muted.
    subject_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    reports: Mapped[int] = mapped_column(Integer, default=0)  # open reports it resolved
    until: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a mute's end
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Mute(Base):
    """A person muted until ``until``: they may read and vote but not post. Lifted early by a
    moderator (``lifted_at``), or replaced by a newer mute."""

    __tablename__ = "community_mutes"
    __table_args__ = (Index("ix_community_mutes_user_until", "user_id", "until"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("mut"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    until: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# -- reviews after delivery, and questions on campaigns ------------------------------------
#
# A review belongs to one order and one product in it (a second write edits it). A
# product's rating is five counters, one per number of stars, moved in SQL in the same
# transaction as the review they count (``reviews.py``), so a page reads one row instead of
# counting reviews. A question belongs to a campaign; the partner's one public answer sits
# on its row, as a review's does.


class Review(Base):
    """A verified buyer's review of a product from one delivered order, and the partner's
    public answer to it (one, editable)."""

    __tablename__ = "community_reviews"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id", name="uq_community_reviews_order_product"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_one_to_five"),
        Index("ix_community_reviews_product_created", "product_id", "created_at"),
        Index("ix_community_reviews_product_stars", "product_id", "stars", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("rev"))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    author_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))  # the order's: crowdfunding or sale
    stars: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(120), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, as written
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)  # Markdown, the partner's
    answer_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer_edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # by a moderator


class Rating(Base):
    """A product's rating: how many reviews gave each number of stars."""

    __tablename__ = "community_ratings"
    __table_args__ = (
        CheckConstraint(
            "stars_1 >= 0 AND stars_2 >= 0 AND stars_3 >= 0 AND stars_4 >= 0 AND stars_5 >= 0",
            name="counts_not_negative",
        ),
    )

    product_id: Mapped[str] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    stars_1: Mapped[int] = mapped_column(Integer, default=0)
    stars_2: Mapped[int] = mapped_column(Integer, default=0)
    stars_3: Mapped[int] = mapped_column(Integer, default=0)
    stars_4: Mapped[int] = mapped_column(Integer, default=0)
    stars_5: Mapped[int] = mapped_column(Integer, default=0)


class Question(Base):
    """A question someone asked about a campaign, and the partner's public answer (one,
    editable). ``backer`` is fixed when asked: the asker had pledged for the campaign."""

    __tablename__ = "community_questions"
    __table_args__ = (
        Index("ix_community_questions_campaign_created", "campaign_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("qst"))
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    author_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)  # Markdown
    backer: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)  # Markdown, the partner's
    answer_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer_edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # by a moderator
