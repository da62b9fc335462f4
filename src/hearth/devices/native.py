"""The native format as text: read a spec from JSON or YAML, write it back.

Callers do the file I/O; these functions take and return text. YAML is read with the
safe loader (the C one when PyYAML has it), so a document can never build objects.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import yaml

from hearth.devices.issues import Issue, invalid
from hearth.devices.rules import parse_spec
from hearth.devices.spec import Spec, spec_to_dict

TextFormat = Literal["json", "yaml"]

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def guess_format(name: str) -> TextFormat:
    """Return the text format a file name suggests (YAML for .yaml/.yml, else JSON)."""
    return "yaml" if name.lower().endswith((".yaml", ".yml")) else "json"


def load_document(text: str | bytes, *, fmt: TextFormat) -> object:
    """Parse JSON or YAML text; raise ``SpecInvalid`` (pointer "") if it does not parse."""
    try:
        if fmt == "json":
            return json.loads(text)
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except (ValueError, RecursionError) as err:
        issue = Issue("", "bad_json", f"not JSON: {err}")
    except yaml.YAMLError as err:
        issue = Issue("", "bad_yaml", f"not YAML: {' '.join(str(err).split())}")
    raise invalid([issue], what="document")


def spec_from_text(text: str | bytes, *, fmt: TextFormat = "json") -> Spec:
    """Read a native spec from JSON or YAML text; raise ``SpecInvalid`` if it breaks a rule."""
    return parse_spec(load_document(text, fmt=fmt))


def spec_to_yaml(spec: Spec) -> str:
    """Write ``spec`` as native YAML (keys in model order, defaults left out)."""
    return dump_yaml(spec_to_dict(spec))


def spec_to_json(spec: Spec, *, indent: int | None = 2) -> str:
    """Write ``spec`` as native JSON."""
    return json.dumps(spec_to_dict(spec), indent=indent, ensure_ascii=False)


def dump_yaml(data: Any) -> str:
    """Write JSON-shaped ``data`` as block YAML, short lists of scalars inline."""
    return yaml.dump(data, Dumper=_FlowListDumper, sort_keys=False, allow_unicode=True, width=100)


class _FlowListDumper(yaml.SafeDumper):
    """Keeps ``access: [read, notify]`` and ``in: [1, 2]`` on one line."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(not isinstance(x, dict | list) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_FlowListDumper.add_representer(list, _represent_list)
