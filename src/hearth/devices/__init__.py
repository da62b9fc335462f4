"""The device model: one compatibility spec for every product (pure rules, no I/O).

Read a spec with ``spec_from_text`` (native JSON/YAML) or ``parse_spec`` (a parsed
document), import a MIoT instance with ``import_miot``/``import_miot_text``, compile it
once with ``compile_spec`` and check values with ``CompiledSpec.check_value``. Labels
and UI hints come from ``present``; built-in products from ``hearth.devices.library``.
"""

from __future__ import annotations

from hearth.devices.compat import check_compatible, compatibility_issues
from hearth.devices.compiled import CompiledSpec, Op, compile_spec
from hearth.devices.issues import Issue
from hearth.devices.miot import ImportResult, import_miot, import_miot_text
from hearth.devices.native import spec_from_text, spec_to_json, spec_to_yaml
from hearth.devices.present import Control, Presentation, UiHint, present, ui_hint, value_label
from hearth.devices.rules import document_report, parse_spec, spec_issues
from hearth.devices.schema import spec_json_schema
from hearth.devices.spec import (
    DEFAULT_MAX_STRING_LENGTH,
    Access,
    Action,
    Event,
    Format,
    Property,
    Service,
    Spec,
    ValueOption,
    ValueRange,
    spec_to_dict,
)
from hearth.devices.units import Unit, normalise_unit
from hearth.devices.urn import label
from hearth.devices.values import REASONS

__all__ = [
    "DEFAULT_MAX_STRING_LENGTH",
    "REASONS",
    "Access",
    "Action",
    "CompiledSpec",
    "Control",
    "Event",
    "Format",
    "ImportResult",
    "Issue",
    "Op",
    "Presentation",
    "Property",
    "Service",
    "Spec",
    "UiHint",
    "Unit",
    "ValueOption",
    "ValueRange",
    "check_compatible",
    "compatibility_issues",
    "compile_spec",
    "document_report",
    "import_miot",
    "import_miot_text",
    "label",
    "normalise_unit",
    "parse_spec",
    "present",
    "spec_from_text",
    "spec_issues",
    "spec_json_schema",
    "spec_to_dict",
    "spec_to_json",
    "spec_to_yaml",
    "ui_hint",
    "value_label",
]
