"""The built-in product specs: native YAML files shipped in this package.

Each file is one product with a stable model id (``hearth.light.v1``). They are read once,
on first use, from the installed package (package data, never the network or the
database) and validated by the same rules as any partner's spec; a broken file is a bug
that ``tests/devices/test_library.py`` catches.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from hearth.devices.native import spec_from_text
from hearth.devices.spec import Spec
from hearth.errors import NotFound, SpecInvalid


@cache
def _specs() -> dict[str, Spec]:
    specs: dict[str, Spec] = {}
    for entry in sorted(files(__name__).iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        try:
            spec = spec_from_text(entry.read_text(encoding="utf-8"), fmt="yaml")
        except SpecInvalid as err:
            raise SpecInvalid(
                f"library file {entry.name}: {err.message}", issues=err.issues
            ) from None
        if spec.model in specs:
            raise SpecInvalid(
                f"library file {entry.name}: model {spec.model} is defined twice",
                issues=[{"pointer": "/model", "reason": "duplicate_model", "message": spec.model}],
            )
        specs[spec.model] = spec
    return specs


def list_specs() -> list[Spec]:
    """Return every built-in spec, ordered by model id."""
    return sorted(_specs().values(), key=lambda s: s.model)


def get_spec(model: str) -> Spec:
    """Return the built-in spec with model id ``model``; raise ``NotFound`` if none."""
    try:
        return _specs()[model]
    except KeyError:
        raise NotFound(f"no built-in spec with model {model!r}") from None


def models() -> list[str]:
    """Return the model ids of the built-in specs."""
    return sorted(_specs())
