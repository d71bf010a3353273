"""The Chinese app shows every service problem in Chinese: a firm submitting an incomplete
assessment, importing a broken workbook and uploading a disguised file reads what is wrong, and
where, without one English sentence — and the same problems read in English on the English page.

The problems are the services' own (`standards.problems.Problem`), rendered by the page in its
language; the English text the command line prints is not what the page shows."""

from __future__ import annotations

import re

from app_support import *  # noqa: F403 - the fixtures
from app_support import World, run
from excel_support import fill, set_cell
from streamlit.testing.v1 import AppTest

from assessment import submissions
from assessment.demo.seed import _demo_pdf, plausible_answers
from assessment.excel.service import template_for_submission
from standards import bundled_library

FF = "zj-future-factory"
CJK = re.compile(r"[\u4e00-\u9fff]")
# Three English words in a row: a sentence, not an id (FF-001), a unit (kWh) or a file name.
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?:[ ,;'()]+[A-Za-z]{2,}){2,}\b")


def shown_problems(at: AppTest) -> list[str]:
    """What the page shows as errors: alerts and the rows of any problems table."""
    shown = [str(e.value) for e in at.error]
    for frame in at.dataframe:
        shown += [" ".join(map(str, row)) for row in frame.value.astype(str).values.tolist()]
    return shown


def assert_all_chinese(shown: list[str]) -> None:
    assert shown, "the page shows the problem"
    for text in shown:
        assert CJK.search(text), text
        assert not ENGLISH.search(text), f"English on the Chinese page: {text!r}"


def questionnaire(world: World, submission_id: int, lang: str) -> AppTest:
    at = world.app("firm", lang=lang)
    at.session_state["current_submission"] = submission_id
    run(at)
    return run(at.switch_page("ui/pages/questionnaire.py"))


def fresh_draft(world: World) -> int:
    firm = world.user("firm")
    standard = bundled_library().standard(FF)
    view = submissions.create_submission(
        firm, world.db, org_id=firm.org_id or 0, standard_id=FF, profile=standard.profiles[-1].id,
        industry_type="discrete",
    )  # fmt: skip
    return view.id


def test_submitting_an_incomplete_assessment_says_so_in_chinese(app_world: World) -> None:
    draft = fresh_draft(app_world)
    at = questionnaire(app_world, draft, "zh")
    at = run(at.button(key="q_submit").click())
    shown = shown_problems(at)
    assert any("道必答题未作答" in text for text in shown), shown
    assert_all_chinese(shown)
    at = questionnaire(app_world, draft, "en")
    at = run(at.button(key="q_submit").click())
    assert any("mandatory item(s) unanswered" in str(e.value) for e in at.error)


def test_a_broken_workbook_is_explained_in_chinese(app_world: World) -> None:
    draft = fresh_draft(app_world)
    firm = app_world.user("firm")
    view = submissions.get_submission(firm, app_world.db, draft)
    library = bundled_library()
    scales = {s.id: s for s in library.scales.scales} if library.scales else {}
    document = plausible_answers(
        library.standard(FF), scales, view.profile, view.industry_type, __import__("random").Random(3), 1.0
    )  # fmt: skip

    def spoil(book: object) -> None:
        set_cell(book, "FF-001", "答案", "Z")

    data = fill(template_for_submission(firm, app_world.db, draft), document, edit=spoil)
    at = questionnaire(app_world, draft, "zh")
    at = run(at.file_uploader(key=f"xl_upload::{draft}::0").set_value(("问卷.xlsx", data, None)))
    shown = shown_problems(at)
    assert any("不是本题的选项" in text for text in shown), shown
    assert_all_chinese(shown)


def test_a_disguised_upload_is_refused_in_chinese(app_world: World) -> None:
    draft = fresh_draft(app_world)
    at = questionnaire(app_world, draft, "zh")
    uploader = next(
        u for u in at.file_uploader if u.key and u.key.startswith(f"q::{draft}::FF-001::upload")
    )
    # a PDF that calls itself a Word document
    at = run(uploader.set_value(("报告.docx", _demo_pdf(), "application/pdf")))
    shown = shown_problems(at)
    assert any("证明材料“报告.docx”" in text and "PDF 文档" in text for text in shown), shown
    assert_all_chinese(shown)
    assert submissions.get_submission(app_world.user("firm"), app_world.db, draft).version == 1
