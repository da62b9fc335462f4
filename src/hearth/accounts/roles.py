"""Roles and what each may do: the one place where permissions are decided.

A capability names something a route or service needs; ``ROLE_CAPABILITIES`` is the
whole table. Routes ask ``require(user, Capability.X)``; nothing else compares roles.
"""

from __future__ import annotations

from enum import StrEnum

from hearth.errors import PermissionDenied


class Role(StrEnum):
    FAN = "fan"
    PARTNER = "partner"
    REVIEWER = "reviewer"
    ADMIN = "admin"


class Capability(StrEnum):
    USE_HOME = "use_home"  # own homes, devices, scenes; back campaigns
    PARTNER_CONSOLE = "partner_console"  # run a store and its products
    REVIEW = "review"  # review partners and products, certify
    OPERATE = "operate"  # platform figures, moderation
    MANAGE_USERS = "manage_users"
    VIEW_LEDGER = "view_ledger"  # the books: balances, statements, platform report


ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.FAN: frozenset({Capability.USE_HOME}),
    Role.PARTNER: frozenset({Capability.USE_HOME, Capability.PARTNER_CONSOLE}),
    Role.REVIEWER: frozenset(
        {Capability.USE_HOME, Capability.REVIEW, Capability.OPERATE, Capability.VIEW_LEDGER}
    ),
    Role.ADMIN: frozenset(Capability),
}


def can(role: Role | str, capability: Capability) -> bool:
    """Tell whether ``role`` grants ``capability``."""
    return capability in ROLE_CAPABILITIES[Role(role)]


def require(role: Role | str, capability: Capability) -> None:
    """Raise ``PermissionDenied`` unless ``role`` grants ``capability``."""
    if not can(role, capability):
        raise PermissionDenied(f"a {Role(role)} account may not {capability.replace('_', ' ')}")
