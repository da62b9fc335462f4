"""The device cloud's two workflows: a device's life and a command's (pure rules).

Each is a ``StrEnum`` plus the whole table of allowed moves; ``move`` is the only way to
change one, and an illegal move raises ``InvalidTransition``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from hearth.errors import InvalidTransition


class DeviceStatus(StrEnum):
    ACTIVE = "active"  # may connect with its secret
    REVOKED = "revoked"  # its credentials no longer work; for good


DEVICE_MOVES: dict[DeviceStatus, frozenset[DeviceStatus]] = {
    DeviceStatus.ACTIVE: frozenset({DeviceStatus.REVOKED}),
    DeviceStatus.REVOKED: frozenset(),
}


class CommandStatus(StrEnum):
    WAITING = "waiting"  # device offline; the caller asked to wait for it to reconnect
    SENT = "sent"  # published to the device, awaiting its answer
    SUCCEEDED = "succeeded"  # the device applied every part
    FAILED = "failed"  # the device refused at least one part (see the per-part codes)
    TIMED_OUT = "timed_out"  # no answer before the deadline
    OFFLINE = "offline"  # the device was offline and the caller did not want to wait


COMMAND_MOVES: dict[CommandStatus, frozenset[CommandStatus]] = {
    CommandStatus.WAITING: frozenset({CommandStatus.SENT, CommandStatus.TIMED_OUT}),
    CommandStatus.SENT: frozenset(
        {CommandStatus.SUCCEEDED, CommandStatus.FAILED, CommandStatus.TIMED_OUT}
    ),
    CommandStatus.SUCCEEDED: frozenset(),
    CommandStatus.FAILED: frozenset(),
    CommandStatus.TIMED_OUT: frozenset(),
    CommandStatus.OFFLINE: frozenset(),
}

FINISHED = frozenset(s for s, moves in COMMAND_MOVES.items() if not moves)

S = TypeVar("S", DeviceStatus, CommandStatus)


def move(table: dict[S, frozenset[S]], current: S, target: S, *, what: str) -> S:
    """Return ``target`` if ``table`` allows ``current`` → ``target``; else raise."""
    if target not in table[current]:
        raise InvalidTransition(current.value, target.value, what=what)
    return target
