"""The JSON Schema of the native format is generated from the model and matches it."""

from __future__ import annotations

from hearth.devices import Format, Unit, spec_json_schema


def test_schema_is_draft_2020_12_with_an_id() -> None:
    schema = spec_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("device-spec.json")
    assert set(schema["required"]) == {"model", "name", "category", "services"}


def test_schema_lists_exactly_the_formats_and_units_of_the_model() -> None:
    defs = spec_json_schema()["$defs"]
    assert defs["Format"]["enum"] == [f.value for f in Format]
    assert defs["Unit"]["enum"] == [u.value for u in Unit]


def test_schema_uses_the_document_key_names_and_forbids_others() -> None:
    defs = spec_json_schema()["$defs"]
    assert {"in", "out"} <= set(defs["Action"]["properties"])
    assert defs["Property"]["additionalProperties"] is False
    assert defs["Property"]["properties"]["iid"]["minimum"] == 0
    assert defs["ValueRange"]["properties"]["min"]["type"] == "number"
    assert spec_json_schema()["properties"]["services"]["minItems"] == 1


def test_callers_cannot_corrupt_the_schema_for_others() -> None:
    spec_json_schema()["$defs"].clear()
    assert spec_json_schema()["$defs"]
