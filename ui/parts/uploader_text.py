"""Streamlit's own file-uploader texts in the page's language.

Streamlit 1.67 has no setting for the words its file uploader prints: the button ("Upload"), the
line beside it ("20MB per file • XLSX", one text computed in the browser from the widget's size
limit and types) and the hint while a file is dragged over it ("Drag and drop a file here") are
English literals of its frontend. What it does give is stable `data-testid` attributes, so a style
sheet hides those words and shows ours in their place (CSS `content`). The size and types cannot
be taken apart by CSS, so the line beside the button says how to upload instead; every page
states the limit and the types in the uploader's own label, which is ours.

`localise_uploaders()` is called once per run by the entry point, before the page runs.
"""

from __future__ import annotations

import json

import streamlit as st

from ui.parts.common import t

DROPZONE = '[data-testid="stFileUploaderDropzone"]'
BUTTON = f'{DROPZONE} [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"]'
INSTRUCTIONS = f'{DROPZONE} [data-testid="stFileUploaderDropzoneInstructions"] > div'
# The hint shown while a file is dragged over is the one child of the drop zone without a test id
# that does not hold the chips of the files already chosen.
DRAG_HINT = f'{DROPZONE} > div:not([data-testid]):not(:has([data-testid="stFileChips"]))'


def _content(text: str) -> str:
    """A CSS string literal (JSON's escaping is valid CSS for these characters)."""
    return json.dumps(text, ensure_ascii=False).replace("<", "\\3c ")


def style_sheet() -> str:
    """The rules that put the catalogue's words in place of Streamlit's."""
    browse = _content(t("plain.uploader.browse"))
    hint = _content(t("plain.uploader.hint"))
    drag = _content(t("plain.uploader.drag"))
    return "\n".join(
        [
            f"{BUTTON} > * {{ display: none; }}",
            f"{BUTTON}::after {{ content: {browse}; }}",
            f"{INSTRUCTIONS} > * {{ display: none; }}",
            f"{INSTRUCTIONS}::after {{ content: {hint}; }}",
            f"{DRAG_HINT} > * {{ display: none; }}",
            f"{DRAG_HINT}::after {{ content: {drag}; }}",
        ]
    )


def localise_uploaders() -> None:
    """Once per run, from the entry point: the uploader's words in the page's language."""
    st.html(f"<style>\n{style_sheet()}\n</style>")
