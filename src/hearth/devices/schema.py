"""The JSON Schema of the native spec format, generated from the model.

The schema describes structure only; the rules that span objects (unique iids,
references, ranges that fit the format) are ``rules.py``'s and are listed in
``docs/device-spec.md``. Editors use the schema for completion and early errors.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from hearth.devices.spec import Spec

SCHEMA_ID = "https://hearth.dev/schemas/device-spec.json"


@cache
def _schema() -> dict[str, Any]:
    schema = Spec.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": "hearth device spec",
    }


def spec_json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of a native spec document."""
    return copy.deepcopy(_schema())
