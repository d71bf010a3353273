"""The JSON Schema files that editors use to autocomplete and check the library YAML.

`standards/schema/<document>.schema.json` is generated from the pydantic models; these tests fail
when a model changes and the file was not regenerated, and check that editors find the file each
YAML names on its first line.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from assessment.cli.main import main
from standards.loader import DOCUMENT_TYPES
from standards.schema import json_schema_text
from standards.yamlsafe import parse_file

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DIR = ROOT / "standards" / "schema"
LIBRARY = ROOT / "standards" / "library"
LIBRARY_FILES = sorted(LIBRARY.glob("*.yaml"))
HEADER = "# yaml-language-server: $schema=../schema/{document}.schema.json"


def regenerate_hint(document: str) -> str:
    return (
        f"standards/schema/{document}.schema.json is out of date with standards/models.py; "
        f"regenerate it with\n  zhizao standards schema --document {document} "
        f"> standards/schema/{document}.schema.json\n"
        "(all of them: for d in " + " ".join(sorted(DOCUMENT_TYPES)) + "; do zhizao standards "
        "schema --document $d > standards/schema/$d.schema.json; done)"
    )


@pytest.mark.parametrize("document", sorted(DOCUMENT_TYPES))
def test_schema_file_matches_the_models(document: str) -> None:
    path = SCHEMA_DIR / f"{document}.schema.json"
    assert path.is_file(), regenerate_hint(document)
    assert path.read_text(encoding="utf-8") == json_schema_text(document), regenerate_hint(document)


def test_no_stale_schema_files() -> None:
    expected = {f"{d}.schema.json" for d in DOCUMENT_TYPES}
    present = {p.name for p in SCHEMA_DIR.glob("*.json")}
    assert present == expected, (
        f"schema files without a document type: {sorted(present - expected)}"
    )


@pytest.mark.parametrize("document", sorted(DOCUMENT_TYPES))
def test_cli_schema_output_is_valid_json_schema(
    document: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["standards", "schema", "--document", document]) == 0
    out = capsys.readouterr().out
    schema = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["document"]["const"] == document
    assert out == json_schema_text(document)


def test_cli_schema_defaults_to_standard(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["standards", "schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "zhizao standard document"


@pytest.mark.parametrize("path", LIBRARY_FILES, ids=[p.name for p in LIBRARY_FILES])
def test_library_file_names_its_schema_and_passes_it(path: Path) -> None:
    data = parse_file(path).data
    document = data["document"]
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == HEADER.format(document=document), (
        f"{path.name}: line 1 should be `{HEADER.format(document=document)}` so editors "
        "autocomplete it"
    )
    schema = json.loads((SCHEMA_DIR / f"{document}.schema.json").read_text(encoding="utf-8"))
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path)
    )
    assert not errors, [f"{'.'.join(map(str, e.path))}: {e.message}" for e in errors[:5]]


def test_schema_catches_a_misspelt_field() -> None:
    """The schema is strict like the models, so an editor underlines a typo at once."""
    schema = json.loads((SCHEMA_DIR / "units.schema.json").read_text(encoding="utf-8"))
    data = {
        "schema_version": 1,
        "document": "units",
        "units": [{"id": "kWh", "dimension": "energy", "nmae": {"zh": "千瓦时", "en": "kWh"}}],
    }
    messages = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]
    assert any("nmae" in m for m in messages), messages
    assert any("'name' is a required property" in m for m in messages), messages
