"""Every workflow in hearth checked against its own table, and the ``Workflow`` type itself."""

from __future__ import annotations

import ast
import sys
from collections.abc import Collection, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth.community import rules as community
from hearth.errors import InvalidTransition
from hearth.funding import rules as funding
from hearth.homes import rules as homes
from hearth.hub import status as hub
from hearth.kit import workflow as workflow_module
from hearth.kit.workflow import Workflow
from hearth.mall import review
from hearth.mall.certification import report as certification
from hearth.payments import doubt_rules as doubts
from hearth.payments import provider as payments
from hearth.sales import rules as sales
from hearth.scenes import modes as scenes

# Each workflow, under its module and name in hearth, with the table it was built from:
# the table is the truth its workflow is checked against.
WORKFLOWS: dict[str, tuple[Workflow[Any], Mapping[Any, Collection[Any]]]] = {
    "hub.status.DEVICE_WORKFLOW": (hub.DEVICE_WORKFLOW, hub.DEVICE_MOVES),
    "hub.status.COMMAND_WORKFLOW": (hub.COMMAND_WORKFLOW, hub.COMMAND_MOVES),
    "funding.rules.CAMPAIGN_WORKFLOW": (funding.CAMPAIGN_WORKFLOW, funding.CAMPAIGN_MOVES),
    "funding.rules.PLEDGE_WORKFLOW": (funding.PLEDGE_WORKFLOW, funding.PLEDGE_MOVES),
    "funding.rules.ORDER_WORKFLOW": (funding.ORDER_WORKFLOW, funding.ORDER_MOVES),
    "funding.rules.TICKET_WORKFLOW": (funding.TICKET_WORKFLOW, funding.TICKET_MOVES),
    "payments.provider.PAYMENT_WORKFLOW": (payments.PAYMENT_WORKFLOW, payments.TRANSITIONS),
    "payments.doubt_rules.DOUBT_WORKFLOW": (doubts.DOUBT_WORKFLOW, doubts.DOUBT_MOVES),
    "community.rules.STATUS_WORKFLOW": (community.STATUS_WORKFLOW, community.STATUS_MOVES),
    "scenes.modes.RUN_WORKFLOW": (scenes.RUN_WORKFLOW, scenes.TRANSITIONS),
    "mall.certification.report.RUN_WORKFLOW": (certification.RUN_WORKFLOW, certification.MOVES),
    "homes.rules.INVITATION_WORKFLOW": (homes.INVITATION_WORKFLOW, homes.INVITATION_MOVES),
    "mall.review.PRODUCT_WORKFLOW": (review.PRODUCT_WORKFLOW, review.PRODUCT_MOVES),
    "sales.rules.RESERVATION_WORKFLOW": (sales.RESERVATION_WORKFLOW, sales.RESERVATION_MOVES),
    "sales.rules.RETURN_WORKFLOW": (sales.RETURN_WORKFLOW, sales.RETURN_MOVES),
    "mall.review.PARTNER_WORKFLOW": (review.PARTNER_WORKFLOW, review.PARTNER_MOVES),
}
each_workflow = pytest.mark.parametrize(
    ("workflow", "table"), list(WORKFLOWS.values()), ids=list(WORKFLOWS)
)
SRC = Path(workflow_module.__file__).parents[1]  # src/hearth


def _workflows_in_source() -> set[str]:
    """Return ``module.NAME`` of every module-level ``NAME = Workflow(...)`` under hearth."""
    found = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        if "Workflow(" not in text:
            continue
        module = ".".join(path.relative_to(SRC).with_suffix("").parts)
        for node in ast.parse(text).body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
                called = node.value.func
                if isinstance(called, ast.Name) and called.id == "Workflow":
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    found |= {f"{module}.{t.id}" for t in targets if isinstance(t, ast.Name)}
    return found


def test_every_workflow_in_hearth_is_checked_here() -> None:
    assert _workflows_in_source() == set(WORKFLOWS)


@each_workflow
def test_every_state_is_reachable_from_an_initial_state(
    workflow: Workflow[Any], table: Mapping[Any, Collection[Any]]
) -> None:
    seen, frontier = set(workflow.initial), list(workflow.initial)
    while frontier:
        for target in table[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(workflow.states)


@each_workflow
def test_final_states_are_exactly_those_with_no_moves(
    workflow: Workflow[Any], table: Mapping[Any, Collection[Any]]
) -> None:
    assert workflow.final == {state for state in workflow.states if not table[state]}
    for state in workflow.final:
        assert not workflow.targets(state)
        assert not any(workflow.can(state, target) for target in workflow.states)


@each_workflow
def test_every_move_in_the_table_passes_and_every_other_move_raises(
    workflow: Workflow[Any], table: Mapping[Any, Collection[Any]]
) -> None:
    assert set(table) == set(workflow.states)
    for current in workflow.states:
        for target in workflow.states:
            if target in table[current]:
                workflow.check(current, target)
                assert workflow.move(current, target) is target
                continue
            with pytest.raises(InvalidTransition) as caught:
                workflow.check(current, target)
            assert (caught.value.current, caught.value.target) == (current.value, target.value)
            assert caught.value.message == (
                f"cannot move {workflow.name} from {current.value!r} to {target.value!r}"
            )


class Lamp(StrEnum):
    OFF = "off"
    ON = "on"
    BROKEN = "broken"


LAMP_MOVES = {
    Lamp.OFF: {Lamp.ON},
    Lamp.ON: {Lamp.ON, Lamp.OFF, Lamp.BROKEN},
    Lamp.BROKEN: set(),
}
LAMP = Workflow(LAMP_MOVES, initial={Lamp.OFF}, name="lamp")


def test_an_illegal_move_is_a_409_naming_the_object_and_both_states_plainly() -> None:
    with pytest.raises(InvalidTransition) as caught:
        LAMP.check(Lamp.OFF, Lamp.BROKEN)
    assert caught.value.status == 409
    assert caught.value.to_dict() == {
        "error": "invalid_transition",
        "detail": "cannot move lamp from 'off' to 'broken'",
        "errors": [],
    }


def test_a_legal_move_returns_its_target_and_a_state_moves_to_itself_only_if_listed() -> None:
    assert LAMP.move(Lamp.OFF, Lamp.ON) is Lamp.ON
    assert LAMP.can(Lamp.ON, Lamp.ON)
    assert not LAMP.can(Lamp.OFF, Lamp.OFF)


def test_targets_initial_and_final_states_come_from_the_table() -> None:
    assert LAMP.states == (Lamp.OFF, Lamp.ON, Lamp.BROKEN)
    assert LAMP.targets(Lamp.ON) == {Lamp.ON, Lamp.OFF, Lamp.BROKEN}
    assert LAMP.initial == {Lamp.OFF}
    assert LAMP.final == {Lamp.BROKEN}


def test_a_workflow_keeps_its_table_when_the_table_it_was_built_from_changes() -> None:
    moves = {Lamp.OFF: {Lamp.ON}, Lamp.ON: {Lamp.OFF}, Lamp.BROKEN: set()}
    lamp = Workflow(moves, initial={Lamp.OFF})
    moves[Lamp.OFF].add(Lamp.BROKEN)
    assert not lamp.can(Lamp.OFF, Lamp.BROKEN)


def test_a_workflow_without_a_name_calls_what_it_moves_an_object() -> None:
    with pytest.raises(InvalidTransition, match="cannot move object from 'broken' to 'on'"):
        Workflow(LAMP_MOVES, initial={Lamp.OFF}).check(Lamp.BROKEN, Lamp.ON)


class Other(StrEnum):
    ON = "on"


@pytest.mark.parametrize(
    ("moves", "initial"),
    [
        ({}, {Lamp.OFF}),
        ({Lamp.OFF: {Lamp.ON}, Lamp.ON: set()}, {Lamp.OFF}),
        ({Lamp.OFF: {Other.ON}, Lamp.ON: set(), Lamp.BROKEN: set()}, {Lamp.OFF}),
        (LAMP_MOVES, set()),
        (LAMP_MOVES, {Other.ON}),
        (LAMP_MOVES, Lamp.OFF),  # a bare state is a string of letters, not a set of states
    ],
    ids=["no states", "a missing row", "another enum's state", "no initial", "foreign", "bare"],
)
def test_a_malformed_table_fails_when_the_workflow_is_built(
    moves: Mapping[Any, Collection[Any]], initial: Collection[Any]
) -> None:
    with pytest.raises(ValueError, match="workflow"):
        Workflow(moves, initial=initial)


@given(
    st.fixed_dictionaries({state: st.sets(st.sampled_from(Lamp)) for state in Lamp}),
    st.sampled_from(Lamp),
    st.sampled_from(Lamp),
)
def test_a_move_passes_exactly_when_its_row_lists_the_target(
    moves: dict[Lamp, set[Lamp]], current: Lamp, target: Lamp
) -> None:
    lamp = Workflow(moves, initial=set(Lamp))
    assert lamp.can(current, target) is (target in moves[current])
    if target in moves[current]:
        lamp.check(current, target)
    else:
        with pytest.raises(InvalidTransition):
            lamp.check(current, target)


def test_the_workflow_module_imports_only_the_standard_library_and_errors() -> None:
    tree = ast.parse(Path(workflow_module.__file__).read_text())
    imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    outside = {name for name in imported if name.split(".")[0] not in sys.stdlib_module_names}
    assert outside == {"hearth.errors"}
