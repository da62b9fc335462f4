"""Device specs over HTTP: validate a document, list and read the built-in library, and
serve the JSON Schema of the native format. Mounted under ``/api/v1``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from hearth.devices import Spec, document_report, import_miot, library, present, spec_to_dict
from hearth.devices.schema import spec_json_schema

router = APIRouter(tags=["specs"])

ValidateBody = Annotated[
    Any,
    Body(
        description=(
            'A native spec document, or {"format": "miot", "document": {...}} '
            "for a Xiaomi MIoT spec instance."
        ),
        examples=[
            {"format": "miot", "document": {"type": "urn:miot-spec-v2:device:...", "services": []}}
        ],
    ),
]


@router.post("/specs/validate", summary="Validate a native spec or a MIoT instance")
async def validate_spec(body: ValidateBody) -> dict[str, Any]:
    """Return ``{"valid", "issues", "warnings"}``; each issue has a pointer and a reason."""
    if isinstance(body, dict) and set(body) == {"format", "document"}:
        if body["format"] == "miot":
            return import_miot(body["document"]).report()
        if body["format"] == "native":
            return document_report(body["document"])
    return document_report(body)


def _summary(spec: Spec) -> dict[str, Any]:
    return {
        "model": spec.model,
        "version": spec.version,
        "name": spec.name,
        "category": spec.category,
        "description": spec.description,
    }


def _ui(spec: Spec) -> dict[str, Any]:
    view = present(spec)
    return {
        "main_switch": "{}.{}".format(*view.main_switch) if view.main_switch else None,
        "primary": "{}.{}".format(*view.primary) if view.primary else None,
        "controls": [
            {
                "key": c.key,
                "kind": c.kind,
                "label": c.label,
                "hint": c.hint,
                "service": c.service_label,
            }
            for c in view.controls
        ],
    }


@router.get("/specs", summary="The built-in product specs")
async def list_specs() -> dict[str, Any]:
    """List the built-in specs (model, version, name, category)."""
    return {"specs": [_summary(spec) for spec in library.list_specs()]}


@router.get("/specs/{model}", summary="One built-in spec, with its UI metadata")
async def get_spec(model: str) -> dict[str, Any]:
    """Return the native document of a built-in spec and its labels and UI hints."""
    spec = library.get_spec(model)
    return {**_summary(spec), "spec": spec_to_dict(spec), "ui": _ui(spec)}


@router.get("/spec-schema", summary="JSON Schema of the native spec format")
async def spec_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) native spec documents follow."""
    return spec_json_schema()
