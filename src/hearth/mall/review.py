"""The review workflows, as pure rules: partner applications and product submissions.

Each workflow is a ``StrEnum`` of states and an explicit table of allowed moves, each
move naming who may make it; a ``Workflow`` (``PRODUCT_WORKFLOW``, ``PARTNER_WORKFLOW``)
holds which moves exist. Nothing here touches the database; services load a row, ask
``move_product``/``move_partner`` whether the move is allowed (and allowed to this actor),
then store it with an audit record.

    draft ──submit──► submitted ──start──► in_review ──request changes──► changes_requested
      ▲                  │                  │   │                              │
      └────retract───────┘                  │   └─approve─► approved ─withdraw─► withdrawn
                                            └─reject─► rejected                resubmit
                         in_review ◄──start── resubmitted ◄────────────────────────┘
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from hearth.errors import InvalidInput, PermissionDenied
from hearth.kit.workflow import Workflow

S = TypeVar("S", bound=StrEnum)


class Actor(StrEnum):
    PARTNER = "partner"
    REVIEWER = "reviewer"


class ProductState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    RESUBMITTED = "resubmitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class PartnerState(StrEnum):
    APPLIED = "applied"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Move:
    actor: Actor
    needs_reason: bool = False


PRODUCT_MOVES: Mapping[ProductState, Mapping[ProductState, Move]] = {
    ProductState.DRAFT: {ProductState.SUBMITTED: Move(Actor.PARTNER)},
    ProductState.SUBMITTED: {
        ProductState.IN_REVIEW: Move(Actor.REVIEWER),
        ProductState.DRAFT: Move(Actor.PARTNER),
    },
    ProductState.IN_REVIEW: {
        ProductState.CHANGES_REQUESTED: Move(Actor.REVIEWER, needs_reason=True),
        ProductState.APPROVED: Move(Actor.REVIEWER),
        ProductState.REJECTED: Move(Actor.REVIEWER, needs_reason=True),
    },
    ProductState.CHANGES_REQUESTED: {ProductState.RESUBMITTED: Move(Actor.PARTNER)},
    ProductState.RESUBMITTED: {ProductState.IN_REVIEW: Move(Actor.REVIEWER)},
    ProductState.APPROVED: {ProductState.WITHDRAWN: Move(Actor.PARTNER, needs_reason=True)},
    ProductState.REJECTED: {},
    ProductState.WITHDRAWN: {},
}

PARTNER_MOVES: Mapping[PartnerState, Mapping[PartnerState, Move]] = {
    PartnerState.APPLIED: {
        PartnerState.APPROVED: Move(Actor.REVIEWER),
        PartnerState.REJECTED: Move(Actor.REVIEWER, needs_reason=True),
    },
    PartnerState.APPROVED: {},
    PartnerState.REJECTED: {},
}

PRODUCT_WORKFLOW = Workflow(PRODUCT_MOVES, initial={ProductState.DRAFT}, name="product")
PARTNER_WORKFLOW = Workflow(
    PARTNER_MOVES, initial={PartnerState.APPLIED}, name="partner application"
)

# A partner edits a product only while it is theirs to change.
EDITABLE = frozenset({ProductState.DRAFT, ProductState.CHANGES_REQUESTED})
# Reviewers see everything that has left the draft stage.
IN_QUEUE = frozenset({ProductState.SUBMITTED, ProductState.RESUBMITTED, ProductState.IN_REVIEW})


def _move(
    workflow: Workflow[S],
    table: Mapping[S, Mapping[S, Move]],
    current: S,
    target: S,
    actor: Actor,
    reason: str,
) -> S:
    workflow.check(current, target)
    move, what = table[current][target], workflow.name
    if move.actor is not actor:
        raise PermissionDenied(f"only a {move.actor} may move a {what} to {target.value!r}")
    if move.needs_reason and not reason.strip():
        raise InvalidInput(
            f"moving a {what} to {target.value!r} needs a reason",
            detail=[{"field": "reason", "message": "required for this step"}],
        )
    return target


def move_product(
    current: ProductState, target: ProductState, *, actor: Actor, reason: str = ""
) -> ProductState:
    """Return ``target`` if ``actor`` may move a product there from ``current``, else raise."""
    return _move(PRODUCT_WORKFLOW, PRODUCT_MOVES, current, target, actor, reason)


def move_partner(
    current: PartnerState, target: PartnerState, *, actor: Actor, reason: str = ""
) -> PartnerState:
    """Return ``target`` if ``actor`` may move a partner application there, else raise."""
    return _move(PARTNER_WORKFLOW, PARTNER_MOVES, current, target, actor, reason)


def allowed_moves(current: ProductState, actor: Actor) -> list[ProductState]:
    """List the states ``actor`` may move a product to from ``current`` (for the UI)."""
    return [target for target, move in PRODUCT_MOVES[current].items() if move.actor is actor]


def checklist(items: Sequence[str]) -> list[dict[str, object]]:
    """Normalise a reviewer's change requests into checklist entries (all open)."""
    cleaned = [item.strip() for item in items if item.strip()]
    if len(cleaned) > 50 or any(len(item) > 300 for item in cleaned):
        raise InvalidInput("a checklist has at most 50 items of at most 300 characters")
    return [{"item": item, "done": False} for item in cleaned]
