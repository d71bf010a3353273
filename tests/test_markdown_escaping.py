"""User-written text never becomes Markdown: every page, every role, with a firm whose name is an
image link, bold text and HTML, shows the name literally (issue: an image from any URL rendered in
the evaluator's browser).

Streamlit renders Markdown in text elements, alerts, captions, widget labels and radio options;
each such source the app draws must hold the name only escaped (`ui.common.md`).
"""

from __future__ import annotations

from typing import Any

import pytest
from app_support import *  # noqa: F403 - the fixtures
from app_support import World, run
from sqlalchemy import update
from test_app_pages import CASES

from assessment import submissions
from assessment.storage.tables import Organisation
from ui.parts.common import md

HOSTILE = "![t](http://127.0.0.1:9/x) **b** <b>c</b>"
RAW_MARKERS = ("![t](", "**b**", "<b>c</b>")
MARKDOWN_KINDS = (
    "markdown", "caption", "title", "header", "subheader", "info", "success", "warning",
    "error", "toast", "exception",
)  # fmt: skip
LABELLED_KINDS = (
    "button", "checkbox", "radio", "selectbox", "multiselect", "text_input", "text_area",
    "number_input", "toggle", "expander", "tabs", "metric", "date_input", "selectbox",
)  # fmt: skip


def markdown_sources(at: Any) -> list[str]:
    """Every string of the run that Streamlit renders as Markdown."""
    found: list[str] = []
    for kind in MARKDOWN_KINDS:
        found += [str(e.value) for e in getattr(at, kind, [])]
    for kind in LABELLED_KINDS:
        for element in getattr(at, kind, []):
            label = getattr(element, "label", None)
            if label:
                found.append(str(label))
            if kind == "radio":  # radio options are Markdown too
                found += [str(o) for o in element.options]
    return found


def shown(at: Any) -> str:
    """Everything the run shows, Markdown or not (tables included)."""
    parts = markdown_sources(at)
    for frame in at.dataframe:
        parts.append(frame.value.to_string())
    for kind in ("selectbox", "multiselect"):
        for element in getattr(at, kind, []):
            parts += [str(o) for o in element.options]
    return "\n".join(parts)


@pytest.fixture
def hostile_world(app_world: World) -> World:
    firm = app_world.user("firm")
    with app_world.db.write() as session:
        session.execute(
            update(Organisation).where(Organisation.id == firm.org_id).values(name=HOSTILE)
        )
    return app_world


@pytest.mark.parametrize(
    ("who", "page", "title"), CASES, ids=[f"{w}-{p[3:-3]}" for w, p, _ in CASES]
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_firm_name_in_markdown_shows_literally(
    hostile_world: World, who: str | None, page: str, title: str, lang: str
) -> None:
    at = hostile_world.app(who, lang=lang)
    if who == "evaluator":  # the pages open the hostile firm's submission, not another firm's
        at.session_state["current_submission"] = hostile_submission(hostile_world)
    at = run(run(at).switch_page(page))
    for source in markdown_sources(at):
        for marker in RAW_MARKERS:
            assert marker not in source, f"{page}: unescaped firm name in {source!r}"


def hostile_submission(world: World) -> int:
    """A submission of the hostile firm that the demo evaluator is assigned to."""
    firm = world.user("firm")
    return next(
        s.id for s in submissions.list_submissions(world.user("evaluator"), world.db)
        if s.organisation_id == firm.org_id
    )  # fmt: skip


def test_pages_do_show_the_name(hostile_world: World) -> None:
    """The check above is not vacuous: pages that name the firm show it (escaped where Markdown)."""
    reviewed = hostile_submission(hostile_world)
    cases = [("firm", "ui/pages/new_assessment.py", None), ("admin", "ui/pages/admin_orgs.py", None),
             ("admin", "ui/pages/admin_assign.py", None), ("evaluator", "ui/pages/review.py", reviewed)]  # fmt: skip
    for who, page, current in cases:
        at = hostile_world.app(who)
        if current is not None:
            at.session_state["current_submission"] = current
        text = shown(run(run(at).switch_page(page)))
        assert md(HOSTILE) in text or HOSTILE in text, page
