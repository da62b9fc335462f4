"""accounts people can keep, and mail

A person's email address is verified by a mailed link, a forgotten password is reset by
one (``account_tokens``: single-use, expiring, kept only as digests), and requests for
such links are counted per address and per client (``mail_requests``). People keep their
own time zone and language, saved shipping addresses, and how each topic of
notifications reaches them. Mail is queued in ``outgoing_mail`` by the transaction that
causes it and sent once by a background sender. Existing addresses, which nobody
confirmed, start unverified and lower-cased.

Revision ID: a3c5e7f91b20
Revises: 7c1d2e9a4f60
Create Date: 2026-12-07 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hearth.db

revision: str = "a3c5e7f91b20"
down_revision: str | Sequence[str] | None = "7c1d2e9a4f60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_verified_at", hearth.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("locale", sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_users_email"), ["email"], unique=False)
    users = sa.table("users", sa.column("email", sa.String))
    op.execute(
        users.update()
        .where(users.c.email.is_not(None))
        .values(email=sa.func.lower(sa.func.trim(users.c.email)))
    )
    op.execute(users.update().where(users.c.email == "").values(email=None))

    op.create_table(
        "account_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", hearth.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", hearth.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", hearth.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_account_tokens")),
    )
    op.create_index(op.f("ix_account_tokens_user_id"), "account_tokens", ["user_id"], unique=False)

    op.create_table(
        "mail_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", hearth.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_requests")),
    )
    op.create_index("ix_mail_requests_email_at", "mail_requests", ["email", "at"], unique=False)
    op.create_index("ix_mail_requests_client_at", "mail_requests", ["client", "at"], unique=False)

    op.create_table(
        "shipping_addresses",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("line1", sa.String(length=120), nullable=False),
        sa.Column("line2", sa.String(length=120), nullable=False),
        sa.Column("city", sa.String(length=60), nullable=False),
        sa.Column("postal_code", sa.String(length=16), nullable=False),
        sa.Column("region", sa.String(length=60), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", hearth.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hearth.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_shipping_addresses_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_addresses")),
    )
    op.create_index(
        op.f("ix_shipping_addresses_user_id"), "shipping_addresses", ["user_id"], unique=False
    )

    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "topic", name=op.f("pk_notification_preferences")),
    )

    op.create_table(
        "outgoing_mail",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("to_name", sa.String(length=80), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", hearth.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_until", hearth.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.Column("created_at", hearth.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", hearth.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mail")),
    )
    op.create_index(
        "ix_outgoing_mail_status_due",
        "outgoing_mail",
        ["status", "next_attempt_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_outgoing_mail_status_due", table_name="outgoing_mail")
    op.drop_table("outgoing_mail")
    op.drop_table("notification_preferences")
    op.drop_index(op.f("ix_shipping_addresses_user_id"), table_name="shipping_addresses")
    op.drop_table("shipping_addresses")
    op.drop_index("ix_mail_requests_client_at", table_name="mail_requests")
    op.drop_index("ix_mail_requests_email_at", table_name="mail_requests")
    op.drop_table("mail_requests")
    op.drop_index(op.f("ix_account_tokens_user_id"), table_name="account_tokens")
    op.drop_table("account_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_email"))
        batch_op.drop_column("locale")
        batch_op.drop_column("time_zone")
        batch_op.drop_column("email_verified_at")
