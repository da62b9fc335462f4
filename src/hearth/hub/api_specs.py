"""Device specs over HTTP: validate a document, list and read the built-in library, and
serve the JSON Schema of the native format. Mounted under ``/api/v1``.

``hearth.devices`` stays pure (no FastAPI); the device cloud, which serves the catalog,
serves its specs too.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from hearth.devices import document_report, import_miot, library
from hearth.devices.schema import spec_json_schema
from hearth.hub.schemas import SpecDetailOut, SpecListOut, SpecReportOut, SpecSummaryOut

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


@router.post(
    "/specs/validate",
    response_model=SpecReportOut,
    summary="Validate a native spec or a MIoT instance",
)
async def validate_spec(body: ValidateBody) -> SpecReportOut:
    """Return ``{"valid", "issues", "warnings"}``; each issue has a pointer and a reason."""
    if isinstance(body, dict) and set(body) == {"format", "document"}:
        if body["format"] == "miot":
            return SpecReportOut.model_validate(import_miot(body["document"]).report())
        if body["format"] == "native":
            return SpecReportOut.model_validate(document_report(body["document"]))
    return SpecReportOut.model_validate(document_report(body))


@router.get("/specs", response_model=SpecListOut, summary="The built-in product specs")
async def list_specs() -> SpecListOut:
    """List the built-in specs (model, version, name, category)."""
    return SpecListOut(specs=[SpecSummaryOut.of(spec) for spec in library.list_specs()])


@router.get(
    "/specs/{model}",
    response_model=SpecDetailOut,
    summary="One built-in spec, with its UI metadata",
)
async def get_spec(model: str) -> SpecDetailOut:
    """Return the native document of a built-in spec and its labels and UI hints."""
    return SpecDetailOut.of(library.get_spec(model))


@router.get("/spec-schema", summary="JSON Schema of the native spec format")
async def spec_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) native spec documents follow.

    The document is JSON Schema itself, so its answer has no narrower model than an object.
    """
    return spec_json_schema()
