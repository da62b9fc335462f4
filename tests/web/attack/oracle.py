"""What each actor may see, stated apart from hearth's own checks, and what the data is.

``visibility`` reads the world's tables and says, for every private object's id, which actors
may see it; the matrix scans every answer for ids its actor may not see. ``fingerprint``
reads every table, so a refused request that changed anything is caught.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import MetaData, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hearth.db import Base
from tests.web.attack.world import ACTORS, ADMIN, REVIEWER

STAFF = {REVIEWER, ADMIN}
EVERYONE = frozenset(ACTORS)
# Columns that a refused request may still touch: when a token was last used.
VOLATILE = {("api_tokens", "last_used_at")}
# Tables a refused request may still write: any signed-in request counts its person as
# active that day, whatever its answer.
UNTRACKED = {"insights_active_days"}


async def _rows(session: AsyncSession, sql: str) -> list[Any]:
    return list((await session.execute(text(sql))).all())


async def visibility(session: AsyncSession, usernames: dict[str, str]) -> dict[str, frozenset[str]]:
    """Map every private id in the database to the actors who may see it."""
    actor_of = {
        row.id: actor
        for actor, username in usernames.items()
        for row in await _rows(session, f"SELECT id FROM users WHERE username = '{username}'")
    }
    partner_of: dict[str, set[str]] = {}  # partner id -> its members among the actors
    for row in await _rows(session, "SELECT id, partner_id FROM users"):
        if row.id in actor_of and row.partner_id:
            partner_of.setdefault(row.partner_id, set()).add(actor_of[row.id])

    def people(user_ids: Iterable[str | None]) -> set[str]:
        return {actor_of[u] for u in user_ids if u in actor_of}

    members: dict[str, set[str]] = {}
    for row in await _rows(session, "SELECT home_id, user_id FROM home_members"):
        members.setdefault(row.home_id, set()).update(people([row.user_id]))

    seen: dict[str, set[str]] = {}

    def grant(object_id: str, actors: Iterable[str]) -> None:
        seen.setdefault(object_id, set()).update(actors)

    # The home app: a home and everything in it belongs to its members.
    for row in await _rows(session, "SELECT id FROM homes"):
        grant(row.id, members.get(row.id, set()))
    for table in ("rooms", "scenes", "automations", "scene_runs"):
        for row in await _rows(session, f"SELECT id, home_id FROM {table}"):
            grant(row.id, members.get(row.home_id, set()))
    for row in await _rows(session, "SELECT id, home_id FROM devices WHERE home_id IS NOT NULL"):
        grant(row.id, members.get(row.home_id, set()))
    for row in await _rows(
        session,
        "SELECT c.id, d.home_id FROM device_commands c JOIN devices d ON d.id = c.device_id",
    ):
        grant(row.id, members.get(row.home_id, set()))
    for row in await _rows(session, "SELECT id, home_id, invitee_id FROM home_invitations"):
        grant(row.id, members.get(row.home_id, set()) | people([row.invitee_id]))
        grant(row.home_id, people([row.invitee_id]))  # an invitation says which home

    # Accounts: tokens, notifications and addresses are their person's.
    for row in await _rows(session, "SELECT id, user_id FROM api_tokens"):
        grant(row.id, people([row.user_id]))
    for row in await _rows(session, "SELECT id, user_id FROM notifications"):
        grant(row.id, people([row.user_id]))
    for row in await _rows(session, "SELECT id, user_id FROM shipping_addresses"):
        grant(row.id, people([row.user_id]))
    for row in await _rows(session, "SELECT id FROM outgoing_mail"):
        grant(row.id, set())  # mail goes out by mail, never in an answer

    # The mall: a company's unpublished work is its members' and, once submitted, staff's.
    products: dict[str, set[str]] = {}
    makers: dict[str, set[str]] = {}  # product id -> the members of the company making it
    for row in await _rows(session, "SELECT id, partner_id, state FROM products"):
        company = makers[row.id] = partner_of.get(row.partner_id, set())
        if row.state == "approved":
            products[row.id] = set(EVERYONE)
        elif row.state == "draft":
            products[row.id] = company | {ADMIN}
        else:
            products[row.id] = company | STAFF
        grant(row.id, products[row.id])
    for row in await _rows(session, "SELECT id, product_id FROM product_images"):
        grant(row.id, products[row.product_id])
    for row in await _rows(session, "SELECT id, product_id FROM certification_runs"):
        grant(row.id, makers[row.product_id] | STAFF)
    for row in await _rows(session, "SELECT id, product_id FROM review_comments"):
        grant(row.id, makers[row.product_id] | STAFF)
    for row in await _rows(session, "SELECT id, partner_id FROM partner_invitations"):
        grant(row.id, partner_of.get(row.partner_id, set()))
    for row in await _rows(session, "SELECT id, status, applicant_id FROM partners"):
        if row.status != "approved":
            grant(row.id, people([row.applicant_id]) | STAFF | partner_of.get(row.id, set()))

    # Crowdfunding: a backer's pledges, orders and tickets are theirs and the seller's.
    campaign_partner = {
        row.id: row.partner_id
        for row in await _rows(session, "SELECT id, partner_id FROM campaigns")
    }
    for row in await _rows(session, "SELECT id, partner_id, state FROM campaigns"):
        if row.state == "draft":
            grant(row.id, partner_of.get(row.partner_id, set()) | STAFF)
    for row in await _rows(session, "SELECT id, campaign_id, backer_id FROM pledges"):
        seller = partner_of.get(campaign_partner[row.campaign_id], set())
        grant(row.id, people([row.backer_id]) | seller | STAFF)  # staff keep the books
    # Orders of both channels name their seller.
    for row in await _rows(session, "SELECT id, partner_id, backer_id FROM orders"):
        grant(row.id, people([row.backer_id]) | partner_of.get(row.partner_id, set()) | STAFF)
    # Regular sale: a cart and a checkout are their person's; a store's share of a checkout
    # (the reference of its payment in the books, which staff keep) and a return are also
    # the seller's.
    for table in ("cart_lines", "sale_checkouts"):
        for row in await _rows(session, f"SELECT id, user_id FROM {table}"):
            grant(row.id, people([row.user_id]))
    for row in await _rows(session, "SELECT id, user_id, partner_id FROM sale_reservations"):
        grant(row.id, people([row.user_id]) | partner_of.get(row.partner_id, set()) | STAFF)
    for row in await _rows(session, "SELECT id, user_id, partner_id FROM sale_returns"):
        grant(row.id, people([row.user_id]) | partner_of.get(row.partner_id, set()))
    # A charge in doubt is the platform team's to look at.
    for row in await _rows(session, "SELECT id FROM payment_doubts"):
        grant(row.id, STAFF)
    for row in await _rows(session, "SELECT id, partner_id, backer_id FROM tickets"):
        grant(row.id, people([row.backer_id]) | partner_of.get(row.partner_id, set()) | {ADMIN})
    for row in await _rows(session, "SELECT id, user_id FROM backer_cards"):
        grant(row.id, people([row.user_id]))

    # Community moderation: what a moderator hid is its author's and the platform team's;
    # reports are their reporter's and the team's; the audit and mutes the team's alone.
    for table in ("community_suggestions", "community_comments"):
        for row in await _rows(
            session, f"SELECT id, author_id FROM {table} WHERE hidden_at IS NOT NULL"
        ):
            grant(row.id, people([row.author_id]) | STAFF)
    for row in await _rows(session, "SELECT id, reporter_id FROM community_reports"):
        grant(row.id, people([row.reporter_id]) | STAFF)
    for table in ("community_moderation_actions", "community_mutes"):
        for row in await _rows(session, f"SELECT id FROM {table}"):
            grant(row.id, STAFF)
    return {object_id: frozenset(actors) for object_id, actors in seen.items()}


async def fingerprint(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Read every table in key order, without the columns a refused request may touch."""
    metadata: MetaData = Base.metadata
    found: dict[str, list[tuple[Any, ...]]] = {}
    async with engine.connect() as connection:
        for table in sorted(metadata.tables.values(), key=lambda t: t.name):
            if table.name in UNTRACKED:
                continue
            columns = [c for c in table.columns if (table.name, c.name) not in VOLATILE]
            order = list(table.primary_key.columns) or columns
            rows = (await connection.execute(select(*columns).order_by(*order))).all()
            found[table.name] = [tuple(row) for row in rows]
    return found


def changes(
    before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]
) -> list[str]:
    """Name the tables whose rows differ."""
    return [name for name in before if before[name] != after.get(name)]
