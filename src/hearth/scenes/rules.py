"""The rule model of scenes and automations: triggers, conditions, actions, modes.

Pure data: pydantic models of the JSON documents that clients send and hearth stores.
Triggers, conditions and actions are unions tagged by ``kind``; every number and string
is bounded and a key the kind does not know is refused. Every problem of a document is
told at its place in the document (``triggers.0.op``; pydantic would put the union's tag
in the way), in words a person can act on, so the client can fix it: as a validation
error where FastAPI reads a request, as ``InvalidInput`` from ``parse_automation`` and
``parse_actions`` (stored rows, runs).

Whether the devices, properties and values exist is checked against the home's specs in
``scenes.checks``; what the rules mean at run time is in ``scenes.matching``,
``scenes.timing`` and ``scenes.modes``.

Weekdays are numbered as Python does: 0 is Monday, 6 is Sunday. Times of day are
``"HH:MM"`` in the home's time zone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from hearth.devices.spec import MAX_STRING_LENGTH
from hearth.errors import InvalidInput
from hearth.kit import text

KEY = re.compile(r"^\d{1,4}\.\d{1,4}$")
DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

MAX_NAME = 80
MAX_TRIGGERS = 10
MAX_CONDITIONS = 20
MAX_ACTIONS = 30
MAX_DELAY = 24 * 3600
MAX_OFFSET_MINUTES = 180
MAX_TEXT = 200
MAX_BODY = 1000
MAX_CRON = 200
MAX_TIMES = 96  # a time every quarter of an hour
MAX_VALUES = 100  # properties set, or arguments given, by one trigger or action
MAX_HOLD_MINUTES = 24 * 60  # how long a property trigger may have to hold before it fires
MAX_COOLDOWN_MINUTES = 24 * 60  # how long an automation may rest after a run
INT64 = 2**63


class AutomationMode(StrEnum):
    """What a trigger does while a run of the same automation is still going."""

    SINGLE = "single"  # the new trigger is skipped (and logged as skipped)
    RESTART = "restart"  # the running run is cancelled and a new one starts
    QUEUED = "queued"  # the new run waits until the earlier ones finish
    PARALLEL = "parallel"  # runs side by side


DEFAULT_MODE = AutomationMode.SINGLE


class CompareOp(StrEnum):
    """How a property is compared; ``changes`` (any new value) only in triggers."""

    CHANGES = "changes"
    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    BETWEEN = "between"


ORDERED_OPS = frozenset({CompareOp.LT, CompareOp.LE, CompareOp.GT, CompareOp.GE, CompareOp.BETWEEN})


class ConditionMatch(StrEnum):
    """Whether every condition must hold, or any one of them."""

    ALL = "all"
    ANY = "any"


class SunEvent(StrEnum):
    """The sun event a sun trigger follows."""

    SUNRISE = "sunrise"
    SUNSET = "sunset"


class AvailabilityChange(StrEnum):
    """What an availability trigger waits for: the device came online or went offline."""

    ONLINE = "online"
    OFFLINE = "offline"


# -- field types ----------------------------------------------------------------------------
# Each type says what it wants in hearth's words, whatever pydantic found wrong with it.


def says(message: str) -> WrapValidator:
    """Replace pydantic's account of a bad value with ``message``."""

    def validate(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise PydanticCustomError("invalid", message) from None

    return WrapValidator(validate)


def _one_of(enum: type[StrEnum]) -> WrapValidator:
    """Say which values an enum takes."""
    return says(f"one of {', '.join(member.value for member in enum)}")


def _no_null(default: Any) -> BeforeValidator:
    """Read an explicit null as the default, as hearth always has for optional parts."""
    return BeforeValidator(lambda value: default if value is None else value)


ModeChoice = Annotated[AutomationMode, _no_null(DEFAULT_MODE), _one_of(AutomationMode)]
MatchChoice = Annotated[ConditionMatch, _no_null(ConditionMatch.ALL), _one_of(ConditionMatch)]
OpChoice = Annotated[CompareOp, _one_of(CompareOp)]
SunEventChoice = Annotated[SunEvent, _one_of(SunEvent)]
AvailabilityChoice = Annotated[AvailabilityChange, _one_of(AvailabilityChange)]

DeviceId = Annotated[str, Field(strict=True, pattern=DEVICE_ID.pattern), says("a device id")]
SceneId = Annotated[str, Field(strict=True, pattern=DEVICE_ID.pattern), says("a scene id")]
AutomationId = Annotated[
    str, Field(strict=True, pattern=DEVICE_ID.pattern), says("an automation id")
]
PropertyKey = Annotated[
    str, Field(strict=True, pattern=KEY.pattern), says('a property key "siid.piid"')
]
EventKey = Annotated[str, Field(strict=True, pattern=KEY.pattern), says('an event key "siid.eiid"')]
ActionKey = Annotated[
    str, Field(strict=True, pattern=KEY.pattern), says('an action key "siid.aiid"')
]
TimeOfDay = Annotated[str, Field(strict=True, pattern=HH_MM.pattern), says('a time "HH:MM"')]


def _int64(value: Any) -> Any:
    # Checked before the union: a float would take a larger integer in.
    if type(value) is int and not -INT64 <= value < INT64:
        raise PydanticCustomError("invalid", "an integer of at most 64 bits")
    return value


# What a device property may hold: JSON's true is never 1, nor "1" a number.
Scalar = Annotated[
    StrictBool
    | StrictInt
    | StrictFloat
    | Annotated[str, Field(strict=True, max_length=MAX_STRING_LENGTH)],
    BeforeValidator(_int64),
    WithJsonSchema({"type": ["boolean", "number", "string"]}),
]


def _tidy(value: Any) -> Any:
    return " ".join(value.split()) if isinstance(value, str) else value


def _readable(value: str) -> str:
    found = text.unreadable(value)
    if found is not None:
        raise PydanticCustomError("invalid", f"no control characters ({found} is one)")
    return value


Name = Annotated[
    str,
    Field(strict=True, min_length=1, max_length=MAX_NAME),
    BeforeValidator(_tidy),
    says(f"1-{MAX_NAME} characters"),
    AfterValidator(_readable),
]
"""A scene's or automation's name, its spaces tidied, without control characters."""


def _weekdays(days: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted(set(days)))


def _times(times: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(set(times)))


Days = Annotated[
    tuple[Annotated[int, Field(strict=True, ge=0, le=6)], ...],
    Field(min_length=1, max_length=7),
    AfterValidator(_weekdays),
    says("a non-empty list of weekdays 0 (Monday) to 6 (Sunday)"),
]
Times = Annotated[
    tuple[TimeOfDay, ...],
    Field(min_length=1, max_length=MAX_TIMES),
    AfterValidator(_times),
    says(f'a non-empty list of at most {MAX_TIMES} times "HH:MM"'),
]


def _valid_cron(expression: str) -> str:
    from hearth.scenes.timing import valid_cron  # pure; kept apart with the time maths

    if not valid_cron(expression):
        raise ValueError("not five fields")
    return expression


Cron = Annotated[
    str,
    Field(strict=True, max_length=MAX_CRON),
    AfterValidator(_valid_cron),
    says("a cron expression of five fields (minute to weekday)"),
]


def _values_said(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Tell a bad key from a bad value in ``{"siid.piid": value}`` objects."""
    if value is None:
        return {}
    try:
        return handler(value)
    except ValidationError as err:
        values_only = all(
            e["type"] != "dict_type" and "[key]" not in e["loc"] for e in err.errors()
        )
        if values_only and all(e["type"] != "too_long" for e in err.errors()):
            raise PydanticCustomError(
                "invalid", "values must be numbers, strings or booleans"
            ) from None
        raise PydanticCustomError(
            "invalid", f'an object of at most {MAX_VALUES} "siid.piid": value'
        ) from None


Values = Annotated[
    dict[Annotated[str, Field(strict=True, pattern=KEY.pattern)], Scalar | None],
    Field(max_length=MAX_VALUES),
    WrapValidator(_values_said),
]
"""``{"siid.piid": value}``: what to set, or what arguments must be."""


def _whole(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


OffsetMinutes = Annotated[
    int,
    Field(strict=True, ge=-MAX_OFFSET_MINUTES, le=MAX_OFFSET_MINUTES),
    BeforeValidator(_whole),
    says(f"whole minutes within ±{MAX_OFFSET_MINUTES}"),
]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _known_kind(kinds: str) -> BeforeValidator:
    """Name an unknown ``kind`` with the choices (pydantic would blame the whole item)."""
    known = kinds.split(", ")

    def validate(value: Any) -> Any:
        if isinstance(value, dict) and value.get("kind") not in known:
            raise PydanticCustomError("kind", f"one of {kinds}")
        return value

    return BeforeValidator(validate)


def _kind_is_required(schema: dict[str, Any]) -> None:
    # Tagged unions pick their member by ``kind``: a request must name it, though Python
    # callers may leave it to the default.
    properties = schema.get("properties", {})
    if "kind" in properties:
        properties["kind"].pop("default", None)
        schema["required"] = ["kind", *(r for r in schema.get("required", []) if r != "kind")]


class _Rule(BaseModel):
    # Patterns are read by Python's re, as they were when the stored documents were written.
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        allow_inf_nan=False,
        regex_engine="python-re",
        json_schema_extra=_kind_is_required,
    )


def _absent(value: Any) -> bool:
    return value is None or value == ()


def _zero(value: Any) -> bool:
    return bool(value == 0)


def _whole_minutes(value: Any) -> Any:
    return 0 if value is None else _whole(value)


# -- triggers -------------------------------------------------------------------------------


class _Compares(_Rule):
    """A property compared with ``value`` (and ``upper``, for ``between``)."""

    @field_validator("value", check_fields=False)
    @classmethod
    def _value_fits(cls, value: Any, info: ValidationInfo) -> Any:
        op = info.data.get("op")
        # A wrong op is named already (it is not in ``data``); ``changes`` compares nothing.
        if op is None or op is CompareOp.CHANGES:
            return None
        if value is None:
            raise PydanticCustomError("invalid", "a number, string or boolean to compare with")
        if op in ORDERED_OPS and not _number(value):
            raise PydanticCustomError("invalid", f"{op.value} compares numbers")
        return value

    @field_validator("upper", check_fields=False)
    @classmethod
    def _upper_fits(cls, upper: Any, info: ValidationInfo) -> Any:
        if info.data.get("op") is not CompareOp.BETWEEN:
            return None
        if not _number(upper):
            raise PydanticCustomError("invalid", "between needs a number 'upper'")
        value = info.data.get("value")
        if _number(value) and upper < value:
            raise PydanticCustomError("invalid", "must not be below 'value'")
        return upper


CompareValue = Annotated[Scalar | None, says("a number, string or boolean to compare with")]
UpperValue = Annotated[Scalar | None, says("between needs a number 'upper'")]


HoldMinutes = Annotated[
    int,
    Field(strict=True, ge=0, le=MAX_HOLD_MINUTES),
    BeforeValidator(_whole_minutes),
    says(f"how long it must hold: whole minutes from 0 to {MAX_HOLD_MINUTES}"),
]
CooldownMinutes = Annotated[
    int,
    Field(strict=True, ge=0, le=MAX_COOLDOWN_MINUTES),
    BeforeValidator(_whole_minutes),
    says(f"how long it rests: whole minutes from 0 to {MAX_COOLDOWN_MINUTES}"),
]


class PropertyTrigger(_Compares):
    """A property changes (``changes``), or comes to satisfy a comparison; with
    ``for_minutes``, it fires once the comparison has held that long without a break."""

    kind: Literal["property"] = "property"
    device_id: DeviceId
    key: PropertyKey
    op: Annotated[OpChoice, _no_null(CompareOp.CHANGES)] = CompareOp.CHANGES
    value: CompareValue = Field(default=None, validate_default=True, exclude_if=_absent)
    upper: UpperValue = Field(
        default=None, validate_default=True, exclude_if=_absent, description="the top of between"
    )
    for_minutes: HoldMinutes = Field(
        default=0,
        exclude_if=_zero,
        description="fire only once the comparison has held this many minutes (0: at once)",
    )

    @field_validator("for_minutes")
    @classmethod
    def _held_compares(cls, minutes: int, info: ValidationInfo) -> int:
        if minutes and info.data.get("op") is CompareOp.CHANGES:
            raise PydanticCustomError(
                "invalid", "a number of minutes needs a comparison, not 'changes'"
            )
        return minutes


class EventTrigger(_Rule):
    """A device emits an event; ``args`` (``"siid.piid"`` → value) must all match."""

    kind: Literal["event"] = "event"
    device_id: DeviceId
    event: EventKey
    args: Values = Field(default_factory=dict)


class AvailabilityTrigger(_Rule):
    """A device comes online or goes offline."""

    kind: Literal["availability"] = "availability"
    device_id: DeviceId
    to: AvailabilityChoice


class ScheduleTrigger(_Rule):
    """A cron expression, or weekly times on some weekdays, in the home's time zone."""

    kind: Literal["schedule"] = "schedule"
    cron: Cron | None = Field(default=None, exclude_if=_absent)
    days: Days = Field(default=(), validate_default=True, exclude_if=_absent)
    times: Times = Field(default=(), validate_default=True, exclude_if=_absent)

    @field_validator("days", "times", mode="wrap")
    @classmethod
    def _weekly(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        # A cron expression is the whole schedule (a wrong one is named already).
        if "cron" not in info.data or info.data["cron"] is not None:
            return ()
        return handler(value)


class SunTrigger(_Rule):
    """Sunrise or sunset, moved by up to three hours either way."""

    kind: Literal["sun"] = "sun"
    event: SunEventChoice
    offset_minutes: OffsetMinutes = 0


Trigger = Annotated[
    PropertyTrigger | EventTrigger | AvailabilityTrigger | ScheduleTrigger | SunTrigger,
    Field(discriminator="kind"),
    _known_kind("property, event, availability, schedule, sun"),
]
DeviceTrigger = PropertyTrigger | EventTrigger | AvailabilityTrigger
TimedTrigger = ScheduleTrigger | SunTrigger

# -- conditions -----------------------------------------------------------------------------


class PropertyCondition(_Compares):
    """A property's last reported value satisfies a comparison."""

    kind: Literal["property"] = "property"
    device_id: DeviceId
    key: PropertyKey
    op: OpChoice
    value: CompareValue = Field(default=None, validate_default=True, exclude_if=_absent)
    upper: UpperValue = Field(default=None, validate_default=True, exclude_if=_absent)

    @field_validator("op")
    @classmethod
    def _compares(cls, op: CompareOp) -> CompareOp:
        if op is CompareOp.CHANGES:
            raise PydanticCustomError(
                "invalid", "a condition compares: =, !=, <, <=, >, >= or between"
            )
        return op


class TimeCondition(_Rule):
    """Now is in ``[after, before)``; a window past midnight (22:00-06:00) wraps."""

    kind: Literal["time"] = "time"
    after: TimeOfDay
    before: TimeOfDay

    @field_validator("before")
    @classmethod
    def _not_empty(cls, before: str, info: ValidationInfo) -> str:
        if info.data.get("after") == before:
            raise PydanticCustomError("invalid", "the window must not be empty")
        return before


class WeekdayCondition(_Rule):
    """Today is one of ``days``."""

    kind: Literal["weekdays"] = "weekdays"
    days: Days


Condition = Annotated[
    PropertyCondition | TimeCondition | WeekdayCondition,
    Field(discriminator="kind"),
    _known_kind("property, time, weekdays"),
]


def _none_is_empty(value: Any) -> Any:
    return () if value is None else value


class AutomationConditions(_Rule):
    """Conditions that must hold (all of them, or any one) when a trigger fires."""

    match: MatchChoice = ConditionMatch.ALL
    items: Annotated[
        tuple[Condition, ...], Field(max_length=MAX_CONDITIONS), BeforeValidator(_none_is_empty)
    ] = ()


# -- actions --------------------------------------------------------------------------------


def _props_given(props: dict[str, Any]) -> dict[str, Any]:
    if not props:
        raise PydanticCustomError("invalid", 'at least one "siid.piid": value to set')
    return props


class SetAction(_Rule):
    """Set one or more properties of a device."""

    kind: Literal["set"] = "set"
    device_id: DeviceId
    props: Annotated[
        Values, AfterValidator(_props_given), Field(json_schema_extra={"minProperties": 1})
    ]


class InvokeAction(_Rule):
    """Run one of a device's actions with its input arguments."""

    kind: Literal["action"] = "action"
    device_id: DeviceId
    action: ActionKey
    args: Values = Field(default_factory=dict)


class DelayAction(_Rule):
    """Wait before the next action (the run waits in the database, not in a process)."""

    kind: Literal["delay"] = "delay"
    seconds: Annotated[
        float,
        Field(strict=True, gt=0, le=MAX_DELAY),
        says(f"seconds, more than 0 and at most {MAX_DELAY}"),
    ]


class SceneAction(_Rule):
    """Run one of the home's scenes."""

    kind: Literal["scene"] = "scene"
    scene_id: SceneId


class ToggleAutomation(_Rule):
    """Enable or disable one of the home's automations."""

    kind: Literal["automation"] = "automation"
    automation_id: AutomationId
    enabled: Annotated[StrictBool, says("true to enable, false to disable")]


def _title(title: str) -> str:
    # An empty title has always been accepted (the builder leaves it blank); a blank one not.
    cleaned = title.strip()
    if title and not 0 < len(cleaned) <= MAX_TEXT:
        raise PydanticCustomError("invalid", f"1-{MAX_TEXT} characters")
    return cleaned


class NotifyAction(_Rule):
    """Put a notification in the inbox of everyone in the home."""

    kind: Literal["notify"] = "notify"
    title: Annotated[
        str,
        Field(strict=True, json_schema_extra={"maxLength": MAX_TEXT}),
        says("a string is needed"),
        AfterValidator(_title),
    ]
    body: Annotated[
        str,
        Field(strict=True, max_length=MAX_BODY),
        says(f"text of at most {MAX_BODY} characters"),
    ] = ""


AnyAction = SetAction | InvokeAction | DelayAction | NotifyAction | SceneAction | ToggleAutomation
Action = Annotated[
    AnyAction,
    Field(discriminator="kind"),
    _known_kind("set, action, delay, notify, scene, automation"),
]
SceneStep = Annotated[
    SetAction | InvokeAction | DelayAction | NotifyAction,
    Field(discriminator="kind"),
    _known_kind("set, action, delay, notify"),
]
"""An action a scene may take: scenes neither run scenes nor switch automations."""
DeviceAction = SetAction | InvokeAction

# -- documents ------------------------------------------------------------------------------

# Lists of tagged unions: pydantic puts the tag between an item's index and its fields.
_TAGGED_LISTS = frozenset({"triggers", "items", "actions"})
_TAGS = frozenset(
    {"property", "event", "availability", "schedule", "sun", "time", "weekdays", "set"}
    | {"action", "delay", "scene", "automation", "notify"}
)
_MESSAGES: dict[str, Callable[[ErrorDetails], str]] = {
    "missing": lambda e: "required",
    "extra_forbidden": lambda e: "not a known field",
    "model_attributes_type": lambda e: "must be an object",
    "model_type": lambda e: "must be an object",
    "dict_type": lambda e: "must be an object",
    "tuple_type": lambda e: "a list",
    "list_type": lambda e: "a list",
    "too_short": lambda e: "a non-empty list",
    "too_long": lambda e: f"at most {e.get('ctx', {}).get('max_length')}",
}


def _place(loc: Sequence[int | str]) -> tuple[int | str, ...]:
    """Return an error's location in the document's own terms."""
    place: list[int | str] = []
    for index, part in enumerate(loc):
        after_item = (
            index >= 2 and isinstance(loc[index - 1], int) and loc[index - 2] in _TAGGED_LISTS
        )
        if after_item and part in _TAGS:
            continue  # the union's tag, not a key of the document
        place.append(part)
    return tuple(place)


def _in_words(err: ValidationError) -> list[InitErrorDetails]:
    """Restate pydantic's errors at the document's places, one per place, in hearth's words."""
    errors = err.errors(include_url=False)
    places = [_place(error["loc"]) for error in errors]
    found: dict[tuple[int | str, ...], InitErrorDetails] = {}
    for error, place in zip(errors, places, strict=True):
        if error["type"] == "kind":  # an unknown kind is wrong at the item's "kind"
            place = (*place, "kind")
        # A list is "too short" when its only item was wrong: that item says why.
        inside = any(len(other) > len(place) and other[: len(place)] == place for other in places)
        if place in found or (error["type"] == "too_short" and inside):
            continue
        words = _MESSAGES.get(error["type"])
        message = words(error) if words is not None else error["msg"]
        found[place] = InitErrorDetails(
            type=PydanticCustomError("invalid", message), loc=place, input=error.get("input")
        )
    return list(found.values())


class _Document(_Rule):
    """A whole document: its errors are told at the document's own places."""

    @model_validator(mode="wrap")
    @classmethod
    def _told(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        try:
            return handler(data)
        except ValidationError as err:
            raise ValidationError.from_exception_data(err.title, _in_words(err)) from None


def _object_or_empty(value: Any) -> Any:
    # No conditions may be sent as null, or as any other empty value, as always.
    return value if value else {}


class AutomationRule(_Document):
    """*When* a trigger fires, *only if* the conditions hold, *then* the actions run."""

    mode: ModeChoice = DEFAULT_MODE
    cooldown_minutes: CooldownMinutes = Field(
        default=0,
        exclude_if=_zero,
        description="after a run starts, triggers in the next minutes are skipped (0: none)",
    )
    triggers: tuple[Trigger, ...] = Field(min_length=1, max_length=MAX_TRIGGERS)
    conditions: Annotated[AutomationConditions, BeforeValidator(_object_or_empty)] = Field(
        default_factory=AutomationConditions
    )
    actions: tuple[Action, ...] = Field(min_length=1, max_length=MAX_ACTIONS)

    def document(self) -> dict[str, Any]:
        """Return the rule as stored and served (without what a request adds to it)."""
        return self.model_dump(mode="json", include=set(AutomationRule.model_fields))


class SceneActions(_Document):
    """A scene's ordered actions."""

    actions: tuple[SceneStep, ...] = Field(min_length=1, max_length=MAX_ACTIONS)


class RunActions(_Document):
    """The actions a run carries out: an automation's, or a scene's."""

    actions: tuple[Action, ...] = Field(min_length=1, max_length=MAX_ACTIONS)


def problems(err: ValidationError) -> list[dict[str, str]]:
    """Return pydantic's errors as ``{"field", "message"}`` pairs."""
    return [
        {"field": ".".join(str(part) for part in e["loc"]), "message": e["msg"]}
        for e in err.errors(include_url=False)
    ]


def parse_automation(document: Any) -> AutomationRule:
    """Validate an automation's rule (as stored); raise ``InvalidInput`` naming every problem."""
    try:
        return AutomationRule.model_validate(document)
    except ValidationError as err:
        raise InvalidInput.fields(problems(err)) from None


def parse_actions(raw: Any, *, in_scene: bool) -> tuple[AnyAction, ...]:
    """Validate a list of actions; raise ``InvalidInput`` naming every problem."""
    document = SceneActions if in_scene else RunActions
    try:
        return document.model_validate({"actions": raw}).actions
    except ValidationError as err:
        raise InvalidInput.fields(problems(err)) from None
