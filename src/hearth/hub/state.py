"""How a device's messages change what the cloud knows of it (pure rules, no I/O).

``Twin`` is one device's state as loaded from its row; ``apply_*`` fold messages into it
and say what changed. The ingest store loads the twins of a batch under a row lock,
folds the batch in, and writes them back, so these rules are the only place where
ordering, duplicates, availability and the desired/reported delta are decided.

Exactly once, in any order: each device keeps the newest ``(boot, seq)`` applied and a
63-message window of which earlier sequence numbers were applied (as IPsec does against
replays). A message already in the window, or older than it, is not applied again; one
inside the window but not yet seen (two workers raced) is applied, and each property
keeps the value of the newest message that carried it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

WINDOW = 63
_MASK = (1 << WINDOW) - 1
STALE_AFTER = 2.5  # heartbeats missed before a silent device counts as offline
# ...give or take half a heartbeat more: the moment is pushed that much further at once,
# so that most messages leave it (and its index) as it was and the database can update
# the state row in place.
STALE_SLACK = 0.5


@dataclass(frozen=True, slots=True)
class Mark:
    """The newest ``(boot, seq)`` applied and the window of earlier ones (bit i: seq - i)."""

    boot: int = 0
    seq: int = -1
    window: int = 0

    def admit(self, boot: int, seq: int) -> Mark | None:
        """Return the mark after applying ``(boot, seq)``, or None if it is a repeat or stale."""
        if boot > self.boot:
            return Mark(boot, seq, 1)
        if boot < self.boot:
            return None
        if seq > self.seq:
            shift = seq - self.seq
            window = ((self.window << shift) | 1) & _MASK if shift < WINDOW else 1
            return Mark(boot, seq, window)
        offset = self.seq - seq
        if offset >= WINDOW or self.window & (1 << offset):
            return None
        return Mark(boot, self.seq, self.window | (1 << offset))


@dataclass(slots=True)
class Twin:
    """A device's state in the cloud: reported and desired values, availability."""

    device_id: str
    reported: dict[str, Any] = field(default_factory=dict)
    stamps: dict[str, list[int]] = field(default_factory=dict)  # key → [boot, seq] of value
    desired: dict[str, Any] = field(default_factory=dict)
    mark: Mark = field(default_factory=Mark)
    reports: int = 0
    online: bool = False
    link: tuple[int, int] = (0, -1)  # (boot, link) of the connection availability is from
    heartbeat: int = 60
    firmware: str | None = None
    last_seen: datetime | None = None
    stale_at: datetime | None = None
    availability_at: datetime | None = None

    def delta(self) -> dict[str, Any]:
        """Return what is desired but not (yet) reported."""
        return {k: v for k, v in self.desired.items() if self.reported.get(k, _MISSING) != v}

    def seen(self, now: datetime) -> None:
        """Note that the device spoke; while online, that keeps it online."""
        self.last_seen = now
        if self.online:
            self.keep_fresh(now)

    def keep_fresh(self, now: datetime) -> None:
        """Put the moment the device counts as offline, if silent, 2.5 to 3 heartbeats
        after ``now``: moved only when it would come sooner than 2.5."""
        due = now + timedelta(seconds=self.heartbeat * STALE_AFTER)
        if self.stale_at is None or self.stale_at < due:
            self.stale_at = due + timedelta(seconds=self.heartbeat * STALE_SLACK)


_MISSING = object()


def apply_report(
    twin: Twin, *, boot: int, seq: int, props: dict[str, Any], now: datetime
) -> dict[str, Any] | None:
    """Fold a report in; return the properties whose value changed, or None if not applied."""
    mark = twin.mark.admit(boot, seq)
    if mark is None:
        return None
    twin.mark = mark
    twin.reports += 1
    stamp = [boot, seq]
    changed: dict[str, Any] = {}
    for key, value in props.items():
        held = twin.stamps.get(key)
        if held is not None and (held[0], held[1]) > (boot, seq):
            continue  # a newer message already set this property
        if twin.reported.get(key, _MISSING) != value:
            changed[key] = value
        twin.reported[key] = value
        twin.stamps[key] = stamp
        if key in twin.desired and twin.desired[key] == value:
            del twin.desired[key]  # the device did what was asked
    twin.seen(now)
    return changed


def apply_confirmed(
    twin: Twin, props: dict[str, Any], *, after: Mark, now: datetime
) -> dict[str, Any]:
    """Fold values the device confirmed in an answer (a set it applied, a read it answered);
    return those whose value changed.

    An answer carries no ``(boot, seq)`` of its own: its values take ``after``, the newest
    one applied when the answer arrived, so a report the device sent after answering wins
    over it, and one it sent before does not come back over it. A wish the device
    confirmed is no longer pending.
    """
    stamp = [after.boot, after.seq]
    changed: dict[str, Any] = {}
    for key, value in props.items():
        held = twin.stamps.get(key)
        if held is not None and (held[0], held[1]) > (stamp[0], stamp[1]):
            continue
        if twin.reported.get(key, _MISSING) != value:
            changed[key] = value
        twin.reported[key] = value
        twin.stamps[key] = stamp
        if key in twin.desired and twin.desired[key] == value:
            del twin.desired[key]
    twin.seen(now)
    return changed


def admit_sequenced(twin: Twin, *, boot: int, seq: int, now: datetime) -> bool:
    """Apply the ordering rule to an event or info message; tell whether to apply it."""
    mark = twin.mark.admit(boot, seq)
    if mark is None:
        return False
    twin.mark = mark
    twin.seen(now)
    return True


def apply_status(twin: Twin, *, boot: int, link: int, online: bool, now: datetime) -> bool | None:
    """Fold an online/offline status in; return the new availability if it changed.

    A status from an older connection than the one availability already follows (a last
    will that arrives after the device reconnected) changes nothing.
    """
    if (boot, link) < twin.link:
        return None
    twin.link = (boot, link)
    was = twin.online
    twin.online = online
    twin.last_seen = now
    if online:
        twin.keep_fresh(now)
    else:
        twin.stale_at = None
    if was == online:
        return None
    twin.availability_at = now
    return online


def apply_desired(twin: Twin, props: dict[str, Any]) -> None:
    """Record what a set command asks for; it stays desired until reported or refused."""
    twin.desired.update(props)


def settle_desired(twin: Twin, answered: list[str]) -> None:
    """Drop desired values the device answered (applied or refused): nothing is pending."""
    for key in answered:
        twin.desired.pop(key, None)
