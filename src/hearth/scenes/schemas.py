"""What the scenes API and the Scenes tab read and answer: request, response and form models.

A scene or automation sent by a client is the rule document of ``scenes.rules`` with a
name (and, for an automation, whether it is on), so one set of models and one set of
messages serves the API, the builder (which saves through the API) and stored rows.
Names are prefixed with the area where a plain name would collide with another area's
in the OpenAPI document.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from hearth.kit.times import known_zones, zone_named
from hearth.scenes.rules import (
    Action,
    AutomationConditions,
    AutomationRule,
    ModeChoice,
    Name,
    SceneActions,
    SceneStep,
    Trigger,
    says,
)
from hearth.scenes.timing import Place

if TYPE_CHECKING:
    from hearth.scenes.models import Automation, Scene

# -- scenes -----------------------------------------------------------------------------


class SceneIn(SceneActions):
    """A manual scene: a name and an ordered list of actions."""

    name: Name


class SceneOut(BaseModel):
    """A manual scene as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    home_id: str
    name: str
    actions: tuple[SceneStep, ...]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, scene: Scene) -> SceneOut:
        return cls.model_validate(scene)


# -- automations ------------------------------------------------------------------------


class AutomationIn(AutomationRule):
    """An automation: a name, its mode, triggers, conditions and actions (see docs/scenes.md)."""

    name: Name
    enabled: Annotated[StrictBool | None, says("true or false")] = Field(
        default=None, description="new automations start enabled; left out, an edit keeps it"
    )


class AutomationOut(BaseModel):
    """An automation as stored, with who it runs as."""

    id: str
    home_id: str
    name: str
    enabled: bool
    disabled_reason: str | None = Field(description="why hearth disabled it (a loop), if it did")
    mode: ModeChoice
    cooldown_minutes: int = Field(description="minutes it rests after a run starts (0: none)")
    triggers: tuple[Trigger, ...]
    conditions: AutomationConditions
    actions: tuple[Action, ...]
    runs_as: str | None = Field(description="the member who last saved it")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, automation: Automation) -> AutomationOut:
        rule = AutomationRule.model_validate(automation.rule)
        return cls(
            id=automation.id,
            home_id=automation.home_id,
            name=automation.name,
            enabled=automation.enabled,
            disabled_reason=automation.disabled_reason,
            mode=rule.mode,
            cooldown_minutes=rule.cooldown_minutes,
            triggers=rule.triggers,
            conditions=rule.conditions,
            actions=rule.actions,
            runs_as=automation.created_by,
            created_at=automation.created_at,
            updated_at=automation.updated_at,
        )


class AutomationSwitchForm(BaseModel):
    """The Scenes tab's on/off switch of an automation."""

    enabled: bool
    back: str = Field(default="", max_length=20, description='"list" returns to the list')


# -- runs -------------------------------------------------------------------------------


class SceneStepTold(BaseModel):
    """One action of a run in words: what it is and what became of it."""

    index: int
    action: str = Field(description='the action, as the log shows it: "Set Desk lamp · Study …"')
    status: str = Field(description="ok, failed, current (under way) or pending (not reached)")
    message: str = Field(description='what became of it, a sentence: "Not sent: … is offline."')


class SceneRunOut(BaseModel):
    """One run of a scene or an automation: why it started and what each step did."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    automation_id: str | None
    scene_id: str | None
    status: str
    reason: str
    cause: dict[str, Any]
    conditions: list[bool]
    chain: list[str]
    steps: list[dict[str, Any]]
    started_at: datetime
    finished_at: datetime | None
    resume_at: datetime | None
    summary: str = Field(default="", description="the run in one sentence for a person")
    settled: bool = Field(default=False, description="false while it is queued, running or waiting")
    told: list[SceneStepTold] = Field(
        default_factory=list, description="each action and what became of it, in words"
    )


class SceneRunStarted(BaseModel):
    """A run that has started; follow it at ``/runs/{run_id}``."""

    run_id: str


class SceneRunForm(BaseModel):
    """A tap on a scene's run button."""

    back: str = Field(default="", max_length=20, description="where it was tapped (unused)")


# -- where a home is --------------------------------------------------------------------


def _zone(name: str) -> str:
    if zone_named(name) is None:
        raise ValueError("not a time zone")
    return name


class ScenePlaceIn(BaseModel):
    """Where a home is: its time zone, and its coordinates for sunrise and sunset."""

    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        # What ``_both_or_neither`` checks, in the contract: both coordinates or neither.
        json_schema_extra={
            "anyOf": [
                {
                    "required": ["latitude", "longitude"],
                    "properties": {
                        "latitude": {"type": "number"},
                        "longitude": {"type": "number"},
                    },
                },
                {"properties": {"latitude": {"type": "null"}, "longitude": {"type": "null"}}},
            ]
        },
    )

    timezone: Annotated[
        str,
        Field(max_length=64, json_schema_extra={"enum": sorted(known_zones())}),
        AfterValidator(_zone),
        says("an IANA time zone, e.g. Europe/Paris"),
    ] = Field(examples=["Asia/Shanghai"])
    latitude: Annotated[float | None, Field(ge=-90, le=90), says("between -90 and 90")] = None
    longitude: Annotated[float | None, Field(ge=-180, le=180), says("between -180 and 180")] = (
        Field(default=None, validate_default=True)
    )

    @field_validator("longitude")
    @classmethod
    def _both_or_neither(cls, longitude: float | None, info: ValidationInfo) -> float | None:
        if "latitude" in info.data and (info.data["latitude"] is None) != (longitude is None):
            raise PydanticCustomError("invalid", "give both coordinates or neither")
        return longitude


class ScenePlaceOut(BaseModel):
    """A home's time zone and location (UTC and unknown until set)."""

    timezone: str
    latitude: float | None
    longitude: float | None

    @classmethod
    def of(cls, place: Place) -> ScenePlaceOut:
        return cls(timezone=place.timezone, latitude=place.latitude, longitude=place.longitude)
