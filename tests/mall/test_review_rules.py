"""The review workflows' transition tables: who may move what where, and why."""

from __future__ import annotations

import pytest

from hearth.errors import InvalidInput, InvalidTransition, PermissionDenied
from hearth.mall.review import (
    PRODUCT_MOVES,
    Actor,
    PartnerState,
    ProductState,
    allowed_moves,
    checklist,
    move_partner,
    move_product,
)

ALLOWED = [
    (current, target, move.actor)
    for current, moves in PRODUCT_MOVES.items()
    for target, move in moves.items()
]


@pytest.mark.parametrize(("current", "target", "actor"), ALLOWED)
def test_every_listed_move_is_allowed_to_its_actor_only(
    current: ProductState, target: ProductState, actor: Actor
) -> None:
    assert move_product(current, target, actor=actor, reason="because") is target
    other = Actor.REVIEWER if actor is Actor.PARTNER else Actor.PARTNER
    with pytest.raises(PermissionDenied):
        move_product(current, target, actor=other, reason="because")


@pytest.mark.parametrize("current", list(ProductState))
@pytest.mark.parametrize("target", list(ProductState))
def test_moves_not_in_the_table_are_invalid_transitions(
    current: ProductState, target: ProductState
) -> None:
    if target in PRODUCT_MOVES[current]:
        return
    for actor in Actor:
        with pytest.raises(InvalidTransition) as caught:
            move_product(current, target, actor=actor, reason="x")
        assert (caught.value.current, caught.value.target) == (current.value, target.value)


@pytest.mark.parametrize("target", [ProductState.CHANGES_REQUESTED, ProductState.REJECTED])
def test_requesting_changes_or_rejecting_needs_a_reason(target: ProductState) -> None:
    with pytest.raises(InvalidInput, match="reason"):
        move_product(ProductState.IN_REVIEW, target, actor=Actor.REVIEWER, reason="  ")


def test_rejected_and_withdrawn_are_final() -> None:
    assert allowed_moves(ProductState.REJECTED, Actor.REVIEWER) == []
    assert allowed_moves(ProductState.WITHDRAWN, Actor.PARTNER) == []


def test_the_happy_path_reaches_approval_through_a_round_of_changes() -> None:
    path = [
        (ProductState.SUBMITTED, Actor.PARTNER),
        (ProductState.IN_REVIEW, Actor.REVIEWER),
        (ProductState.CHANGES_REQUESTED, Actor.REVIEWER),
        (ProductState.RESUBMITTED, Actor.PARTNER),
        (ProductState.IN_REVIEW, Actor.REVIEWER),
        (ProductState.APPROVED, Actor.REVIEWER),
    ]
    state = ProductState.DRAFT
    for target, actor in path:
        state = move_product(state, target, actor=actor, reason="notes")
    assert state is ProductState.APPROVED


def test_partner_applications_are_decided_once_by_reviewers() -> None:
    assert move_partner(PartnerState.APPLIED, PartnerState.APPROVED, actor=Actor.REVIEWER) is (
        PartnerState.APPROVED
    )
    with pytest.raises(PermissionDenied):
        move_partner(PartnerState.APPLIED, PartnerState.APPROVED, actor=Actor.PARTNER)
    with pytest.raises(InvalidTransition):
        move_partner(PartnerState.REJECTED, PartnerState.APPROVED, actor=Actor.REVIEWER)


def test_checklists_drop_blank_items_and_start_open() -> None:
    assert checklist(["Add a battery event", " ", "Fix the unit"]) == [
        {"item": "Add a battery event", "done": False},
        {"item": "Fix the unit", "done": False},
    ]
    with pytest.raises(InvalidInput):
        checklist(["x" * 301])
