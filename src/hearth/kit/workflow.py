"""One state-machine type for every workflow in hearth.

Devices, commands, campaigns, pledges, orders, tickets, payments, scene runs,
certification runs, invitations, products and partner applications all move through a
``StrEnum`` of states along a fixed table of allowed moves. The check of a move used to
be written once per area (seven times, each a little different); ``Workflow`` is the one
place that holds a table and answers whether a move is allowed, so every illegal move
raises the same ``InvalidTransition`` (409, ``invalid_transition``) with the same message.

The table stays data in its area's rules module; this type only reads it. It checks the
table when it is built (a row for every state, targets of the same enum, known initial
states), so a mistyped table fails when its module is imported, not on the first request
that meets the bad row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Generic, TypeVar

from hearth.errors import InvalidTransition

S = TypeVar("S", bound=StrEnum)


class Workflow(Generic[S]):
    """The allowed moves between the states ``S`` of one kind of object.

    ``moves`` maps every state to the states it may move to (a state may list itself:
    a partial refund keeps a payment captured). ``initial`` are the states an object may
    be created in; ``final`` are the states with no move out. ``name`` says what moves
    in error messages: "cannot move payment from 'voided' to 'captured'".
    """

    def __init__(
        self, moves: Mapping[S, Iterable[S]], *, initial: Iterable[S], name: str = "object"
    ) -> None:
        if not moves:
            raise ValueError(f"the {name} workflow has no states")
        kind = type(next(iter(moves)))
        self.name = name
        self.states: tuple[S, ...] = tuple(kind)
        missing = [state for state in self.states if state not in moves]
        if missing:
            raise ValueError(f"the {name} workflow has no row for {missing}")
        table = {state: frozenset(moves[state]) for state in self.states}
        strays = [t for targets in table.values() for t in targets if not isinstance(t, kind)]
        if strays:
            raise ValueError(f"the {name} workflow moves to states not of {kind.__name__}")
        self._moves: Mapping[S, frozenset[S]] = MappingProxyType(table)
        self.initial = frozenset(initial)
        if not self.initial or any(not isinstance(s, kind) for s in self.initial):
            raise ValueError(f"the {name} workflow needs initial states of {kind.__name__}")
        self.final = frozenset(state for state, targets in table.items() if not targets)

    def __repr__(self) -> str:
        return f"Workflow({self.name!r}, {len(self.states)} states)"

    def targets(self, current: S) -> frozenset[S]:
        """Return the states an object in ``current`` may move to."""
        return self._moves[current]

    def can(self, current: S, target: S) -> bool:
        """Tell whether the table allows the move from ``current`` to ``target``."""
        return target in self._moves[current]

    def check(self, current: S, target: S) -> None:
        """Raise ``InvalidTransition`` unless the move from ``current`` to ``target`` is allowed."""
        if not self.can(current, target):
            raise InvalidTransition(current, target, what=self.name)

    def move(self, current: S, target: S) -> S:
        """Return ``target`` if the move from ``current`` is allowed; raise otherwise."""
        self.check(current, target)
        return target
