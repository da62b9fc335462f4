"""The spec model: a device type, its services, and their properties, actions and events.

These pydantic models *are* the native format: ``Spec.model_validate`` reads a native
document (JSON or YAML, already parsed), ``spec_to_dict`` writes one, and the JSON Schema
in ``schema.py`` is generated from them. Structural rules (types, required keys, limits)
live here; rules that span several objects (unique iids, references, ranges that fit the
format) live in ``rules.py``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    WithJsonSchema,
)

from hearth.devices.units import Unit

# The device protocol names a property "<siid>.<piid>" with at most 3 and 4 digits.
# Iid 0 is legal: released MIoT instances use it (lumi.gateway.aqhm02 has property 2.0).
MAX_SIID = 999
MAX_IID = 9999
# Strings longer than this are rejected unless a property sets its own ``max_length``.
DEFAULT_MAX_STRING_LENGTH = 2048
MAX_STRING_LENGTH = 65535
MODEL_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
CATEGORY_PATTERN = r"^[a-z0-9][a-z0-9-]{0,47}$"


class Format(StrEnum):
    """How a property's value is encoded."""

    BOOL = "bool"
    UINT8 = "uint8"
    UINT16 = "uint16"
    UINT32 = "uint32"
    INT8 = "int8"
    INT16 = "int16"
    INT32 = "int32"
    INT64 = "int64"
    FLOAT = "float"
    STRING = "string"


INT_LIMITS: dict[Format, tuple[int, int]] = {
    Format.UINT8: (0, 2**8 - 1),
    Format.UINT16: (0, 2**16 - 1),
    Format.UINT32: (0, 2**32 - 1),
    Format.INT8: (-(2**7), 2**7 - 1),
    Format.INT16: (-(2**15), 2**15 - 1),
    Format.INT32: (-(2**31), 2**31 - 1),
    Format.INT64: (-(2**63), 2**63 - 1),
}
NUMERIC_FORMATS = frozenset([*INT_LIMITS, Format.FLOAT])


class Access(StrEnum):
    """What may be done with a property: read it, write it, be notified of changes."""

    READ = "read"
    WRITE = "write"
    NOTIFY = "notify"


# Strict scalars: JSON's true must never pass for 1, nor "1" for 1. Union members
# appear in pydantic's error locations as "int", "float"...; rules.py folds them away.
Number = Annotated[StrictInt | StrictFloat, WithJsonSchema({"type": "number"})]
Scalar = Annotated[
    StrictBool | StrictInt | StrictFloat | StrictStr,
    WithJsonSchema({"type": ["boolean", "number", "string"]}),
]
Iid = Annotated[int, Field(strict=True, ge=0, le=MAX_IID)]
ServiceIid = Annotated[int, Field(strict=True, ge=0, le=MAX_SIID)]
TypeUrn = Annotated[str, Field(strict=True, min_length=1, max_length=255)]
Text = Annotated[str, Field(strict=True, max_length=1000)]


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False
    )


class ValueRange(_Model):
    """Inclusive bounds and, optionally, the step between allowed values."""

    min: Number
    max: Number
    step: Number | None = Field(
        default=None, description="Distance between allowed values from min; none: any."
    )


class ValueOption(_Model):
    """One allowed value and what it means."""

    value: Scalar
    description: Text = ""


class Property(_Model):
    """A typed value a device holds."""

    iid: Iid
    type: TypeUrn
    description: Text = ""
    format: Format
    access: tuple[Access, ...] = ()
    unit: Unit | None = None
    unit_original: Annotated[StrictStr, Field(max_length=64)] | None = Field(
        default=None, description="The unit as the imported document spelt it."
    )
    range: ValueRange | None = None
    values: tuple[ValueOption, ...] = ()
    max_length: Annotated[int, Field(strict=True, ge=1, le=MAX_STRING_LENGTH)] | None = Field(
        default=None, description=f"For strings; {DEFAULT_MAX_STRING_LENGTH} if unset."
    )

    def has(self, access: Access) -> bool:
        """Tell whether the property allows ``access``."""
        return access in self.access


class Action(_Model):
    """Something a device does on request, with input and output properties."""

    iid: Iid
    type: TypeUrn
    description: Text = ""
    in_: tuple[Iid, ...] = Field(default=(), alias="in", description="piids of the inputs")
    out: tuple[Iid, ...] = Field(default=(), description="piids of the outputs")


class Event(_Model):
    """Something that happens on a device, with property values as its arguments."""

    iid: Iid
    type: TypeUrn
    description: Text = ""
    arguments: tuple[Iid, ...] = Field(default=(), description="piids of the arguments")


class Service(_Model):
    """A group of related properties, actions and events (iids are unique in it)."""

    iid: ServiceIid
    type: TypeUrn
    description: Text = ""
    properties: tuple[Property, ...] = ()
    actions: tuple[Action, ...] = ()
    events: tuple[Event, ...] = ()


class Spec(_Model):
    """A product's compatibility spec, one version of it."""

    model: Annotated[str, Field(strict=True, pattern=MODEL_PATTERN)] = Field(
        description="Stable model id, such as hearth.light.v1"
    )
    version: Annotated[int, Field(strict=True, ge=1)] = 1
    name: Annotated[str, Field(strict=True, min_length=1, max_length=120)]
    category: Annotated[str, Field(strict=True, pattern=CATEGORY_PATTERN)]
    type: TypeUrn | None = Field(default=None, description="Device type URN, if any")
    description: Text = ""
    # At least one service: checked in rules.py, since pydantic would also report an empty
    # tuple whenever every item fails to validate.
    services: tuple[Service, ...] = Field(json_schema_extra={"minItems": 1})

    def service(self, siid: int) -> Service | None:
        """Return the service with iid ``siid``, or None."""
        return next((s for s in self.services if s.iid == siid), None)


def spec_to_dict(spec: Spec) -> dict[str, Any]:
    """Return the native document of ``spec`` (JSON-ready; defaults left out)."""
    return spec.model_dump(mode="json", by_alias=True, exclude_defaults=True)
