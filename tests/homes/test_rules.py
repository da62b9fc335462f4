"""The home app's pure rules: who may do what, names, leaving, the invitation workflow,
and cards and controls derived from every built-in spec without crashing on any state."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hearth.devices import library
from hearth.devices.present import UiHint
from hearth.errors import InvalidInput, InvalidTransition
from hearth.homes import cards
from hearth.homes.rules import (
    INVITATION_WORKFLOW,
    HomeAction,
    HomeRole,
    InvitationState,
    allows,
    can_leave,
    clean_name,
    new_token,
    token_digest,
)

SPECS = {spec.model: spec for spec in library.list_specs()}


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        (HomeRole.MEMBER, HomeAction.VIEW, True),
        (HomeRole.MEMBER, HomeAction.CONTROL, True),
        (HomeRole.MEMBER, HomeAction.MANAGE, False),
        (HomeRole.MEMBER, HomeAction.INVITE, False),
        (HomeRole.OWNER, HomeAction.MANAGE, True),
        (HomeRole.OWNER, HomeAction.INVITE, True),
    ],
)
def test_members_control_and_owners_manage(
    role: HomeRole, action: HomeAction, allowed: bool
) -> None:
    assert allows(role, action) is allowed


def test_the_last_owner_may_not_leave_but_a_member_always_may() -> None:
    assert not can_leave(HomeRole.OWNER, owners=1)
    assert can_leave(HomeRole.OWNER, owners=2)
    assert can_leave(HomeRole.MEMBER, owners=1)


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_names_need_one_to_eighty_characters(name: str) -> None:
    with pytest.raises(InvalidInput):
        clean_name(name)


def test_names_lose_extra_whitespace() -> None:
    assert clean_name("  Living \n room ") == "Living room"


@pytest.mark.parametrize(
    "final", [InvitationState.ACCEPTED, InvitationState.DECLINED, InvitationState.WITHDRAWN]
)
def test_an_answered_invitation_cannot_be_answered_again(final: InvitationState) -> None:
    assert INVITATION_WORKFLOW.move(InvitationState.PENDING, final) is final
    for target in InvitationState:
        with pytest.raises(InvalidTransition):
            INVITATION_WORKFLOW.move(final, target)


def test_only_the_digest_of_a_link_token_is_kept() -> None:
    token, digest = new_token()
    assert token not in digest and token_digest(token) == digest
    assert new_token()[0] != token


def test_a_lamps_card_has_a_power_switch_and_says_off_when_off() -> None:
    spec = SPECS["hearth.light.v1"]
    on = cards.card(spec, {"2.1": True, "2.2": 40}, device_id="d", name="Lamp", online=True)
    off = cards.card(spec, {"2.1": False, "2.2": 40}, device_id="d", name="Lamp", online=True)
    assert (on.switch_key, on.switch_on, on.state_label) == ("2.1", True, "40 %")
    assert (off.switch_on, off.state_label) == (False, "Off")


def test_a_sensors_card_shows_its_temperature_and_battery() -> None:
    spec = SPECS["hearth.th-sensor.v1"]
    card = cards.card(spec, {"2.1": 21.5, "3.1": 15}, device_id="d", name="S", online=False)
    assert (card.state_label, card.battery, card.switch_key) == ("21.5 °C", 15, None)


def test_every_writable_property_of_the_library_gets_a_control() -> None:
    for spec in SPECS.values():
        widgets = [w for s in cards.controls(spec, {}) for w in s.widgets]
        writable = [p for s in spec.services for p in s.properties if "write" in p.access]
        assert len([w for w in widgets if w.hint is not UiHint.READONLY]) == len(writable)
        actions = [a for s in cards.controls(spec, {}) for a in s.actions]
        assert len(actions) == sum(len(s.actions) for s in spec.services)


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=5,
)


@settings(max_examples=60, deadline=None)
@given(model=st.sampled_from(sorted(SPECS)), data=st.data())
def test_cards_and_controls_never_crash_on_any_reported_state(model: str, data: Any) -> None:
    spec = SPECS[model]
    keys = [f"{s.iid}.{p.iid}" for s in spec.services for p in s.properties]
    reported = data.draw(st.dictionaries(st.sampled_from(keys), values, max_size=len(keys)))
    card = cards.card(spec, reported, device_id="d", name="n", online=True)
    assert isinstance(card.state_label, str)
    assert card.switch_on in (True, False, None)
    for section in cards.controls(spec, reported):
        assert all(isinstance(w.value_label, str) for w in section.widgets)
