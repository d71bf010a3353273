"""The criteria library: YAML documents and the pydantic models that read and check them."""

from standards.canonical import canonical_json, sha256_of
from standards.loader import Library, bundled_library, load_document, load_library
from standards.models import Item, Label, Provenance, Sourced, Standard, Text
from standards.problems import Problem
from standards.yamlsafe import DocumentError

__all__ = [
    "DocumentError",
    "Item",
    "Label",
    "Library",
    "Problem",
    "Provenance",
    "Sourced",
    "Standard",
    "Text",
    "bundled_library",
    "canonical_json",
    "load_document",
    "load_library",
    "sha256_of",
]
