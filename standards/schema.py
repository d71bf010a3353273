"""JSON Schemas of the library documents, for editor autocompletion of YAML files."""

from __future__ import annotations

import json
from typing import Any

from standards.loader import DOCUMENT_TYPES


def json_schema(document: str = "standard") -> dict[str, Any]:
    model = DOCUMENT_TYPES[document]
    schema = model.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"zhizao {document} document"
    return schema


def json_schema_text(document: str = "standard") -> str:
    return json.dumps(json_schema(document), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
