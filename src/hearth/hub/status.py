"""The device cloud's two workflows: a device's life and a command's (pure rules).

Each is a ``StrEnum`` plus the whole table of allowed moves, held by a ``Workflow``
(``DEVICE_WORKFLOW``, ``COMMAND_WORKFLOW``); an illegal move raises ``InvalidTransition``.
"""

from __future__ import annotations

from enum import StrEnum

from hearth.kit.workflow import Workflow


class DeviceStatus(StrEnum):
    ACTIVE = "active"  # may connect with its secret
    REVOKED = "revoked"  # its credentials no longer work; for good


DEVICE_MOVES: dict[DeviceStatus, frozenset[DeviceStatus]] = {
    DeviceStatus.ACTIVE: frozenset({DeviceStatus.REVOKED}),
    DeviceStatus.REVOKED: frozenset(),
}
DEVICE_WORKFLOW = Workflow(DEVICE_MOVES, initial={DeviceStatus.ACTIVE}, name="device")


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

# A command starts sent (device online), waiting (the caller waits for it) or offline.
COMMAND_WORKFLOW = Workflow(
    COMMAND_MOVES,
    initial={CommandStatus.SENT, CommandStatus.WAITING, CommandStatus.OFFLINE},
    name="command",
)

FINISHED = COMMAND_WORKFLOW.final
