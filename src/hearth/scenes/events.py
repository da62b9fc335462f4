"""Events of smart scenes: frozen, past tense, shared with every hearth process."""

from __future__ import annotations

from dataclasses import dataclass, field

from hearth.bus import Event, shared_event


@shared_event
@dataclass(frozen=True)
class AutomationsChanged(Event):
    """A home's automations were created, edited, enabled, disabled or deleted: every
    process reloads the triggers it watches for that home."""

    home_id: str
    automation_ids: list[str] = field(default_factory=list)


@shared_event
@dataclass(frozen=True)
class SceneCommandSent(Event):
    """A run is about to command a device: the device's next changes within ``seconds``
    are caused by ``chain`` (the automations that led here), for loop detection."""

    device_id: str
    chain: list[str]
    seconds: float = 10.0


@shared_event
@dataclass(frozen=True)
class SceneRunFinished(Event):
    """A run of a scene or an automation reached a final status."""

    run_id: str
    home_id: str
    status: str
    automation_id: str | None = None
    scene_id: str | None = None
