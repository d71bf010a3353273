"""Screenshot tour (not a test): every page, every role, both languages, at 1366×768 in headless
Chromium, plus a tall shot of each page to see everything below the fold.

    .venv/bin/python tests/screens.py            # → tmp/artifacts/screens/*.png

Look at the PNGs: nothing cut off, no missing glyphs (tofu), no English in the Chinese pages
except Streamlit's own chrome.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assessment import submissions

sys.path.insert(0, str(Path(__file__).resolve().parent))

from app_support import ROOT, World, issue_certificate
from e2e_support import chromium_browser, nav, settle, sign_in, streamlit_server
from excel_support import fill, set_cell

from assessment.demo.seed import plausible_answers
from assessment.excel.service import template_for_submission
from assessment.storage.db import open_database
from assessment.submissions import activity
from standards import bundled_library

OUT = Path(os.environ.get("ZHIZAO_ARTIFACTS", ROOT / "tmp" / "artifacts")) / "screens"
WORKBOOK = OUT / "filled-with-one-problem.xlsx"
EXAMPLE_ACTIVITY = {
    "year": 2025,
    "region": "330206",
    "output_value_10k_yuan": 56000,
    "value_added_10k_yuan": 11800,
    "sector_average_L": 0.9,
    "product_output": {"quantity": 1250000, "unit": "件"},
    "energy": {
        "electricity_kwh": 18500000,
        "green_electricity_kwh": 3000000,
        "natural_gas_m3": 420000,
        "diesel_t": 35,
    },
}
TOUR: dict[str | None, list[tuple[str, str | None]]] = {
    None: [("sign-in", None), ("verify", "证书验证"), ("library", "标准库")],
    "firm": [
        ("home", None),
        ("new", "新建评估"),
        ("questionnaire", "问卷填报"),
        ("questionnaire-excel", None),  # the Excel section opened, a workbook with a problem
        ("results", "评估结果"),  # the approved result with its certificate
        ("results-draft", None),  # a draft: the self-assessment report only
        ("carbon", "碳核算"),
    ],
    "evaluator": [("queue", None), ("review", "评审")],
    "admin": [
        ("orgs", None),
        ("assign", "分配评审员"),
        ("standards", "标准库管理"),
        ("certificates", "证书"),
        ("audit", "审计日志"),
    ],
}
ENGLISH = {
    "证书验证": "Verify a certificate", "标准库": "Criteria library", "新建评估": "New assessment",
    "问卷填报": "Questionnaire", "评估结果": "Results", "碳核算": "Carbon", "评审": "Review",
    "分配评审员": "Assign evaluators", "标准库管理": "Standards library", "证书": "Certificates",
    "审计日志": "Audit log",
}  # fmt: skip


def prepare(url: str, folder: Path) -> None:
    """A certificate to verify (and for the firm to download), a year of carbon data, and a
    filled workbook with one wrong answer for the questionnaire's import preview."""
    db = open_database(url)
    world = World(url, db)
    approved = world.submission("admin", "approved", "zj-future-factory")
    today = dt.date.today()
    os.environ["ZHIZAO_KEY_DIR"] = str(folder / "keys")
    issue_certificate(world, approved.id, folder / "keys", number="ZZ-7K3X-1B2C-4D5E", issued_on=today, expires_on=today.replace(year=today.year + 3))  # fmt: skip
    for status in ("draft", "returned"):
        sub = world.submission("firm", status)
        activity.save_activity(world.user("firm"), db, sub.id, EXAMPLE_ACTIVITY)
    firm = world.user("firm")
    returned = submissions.get_submission(firm, db, world.submission("firm", "returned").id)
    library = bundled_library()
    standard = library.standard(returned.standard_id)
    scales = {s.id: s for s in library.scales.scales} if library.scales else {}
    document = plausible_answers(standard, scales, returned.profile, returned.industry_type, random.Random(3), 1.0)  # noqa: S311 # fmt: skip
    wrong = next(i.id for i in standard.items if i.id in document["answers"])
    filled = fill(
        template_for_submission(firm, db, returned.id),
        document,
        edit=lambda book: set_cell(book, wrong, "答案", "Z"),
    )
    WORKBOOK.write_bytes(filled)
    db.dispose()


def open_excel_section(page: Any, lang: str) -> None:
    """Open the questionnaire's Excel section and upload the prepared workbook."""
    title = "Excel 离线填报" if lang == "zh" else "Fill in offline with Excel"
    section = page.get_by_test_id("stExpander").filter(has_text=title)
    section.get_by_text(title).first.click()
    settle(page)
    section.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(WORKBOOK))
    settle(page)
    preview = section.get_by_text("导入预览" if lang == "zh" else "Import preview").first
    preview.wait_for()
    settle(page)
    preview.scroll_into_view_if_needed()


def choose(page: Any, status: str) -> None:
    """Pick the firm's assessment in this state in the page's assessment chooser."""
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option").filter(has_text=status).first.click()
    settle(page)


def open_approved_results(page: Any, lang: str) -> None:
    choose(page, "已通过" if lang == "zh" else "approved")


def open_draft_results(page: Any, lang: str) -> None:
    choose(page, "草稿" if lang == "zh" else "draft")


ACTIONS: dict[str, Callable[[Any, str], None]] = {
    "questionnaire-excel": open_excel_section,
    "results": open_approved_results,
    "results-draft": open_draft_results,
}


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zhizao-screens-") as tmp:
        folder = Path(tmp)
        os.environ["ZHIZAO_KEY_DIR"] = str(folder / "keys")
        with (
            streamlit_server(folder) as (base, url),
            chromium_browser("/usr/bin/chromium") as browser,
        ):
            prepare(url, folder)
            for lang in ("zh", "en"):
                for who, pages in TOUR.items():
                    context = browser.new_context(
                        viewport={"width": 1366, "height": 768}, locale="zh-CN"
                    )
                    page = context.new_page()
                    page.set_default_timeout(30_000)
                    if who is None:
                        page.goto(f"{base}/", wait_until="domcontentloaded")
                        settle(page)
                    else:
                        sign_in(page, base, who)
                    if lang == "en":
                        page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
                        settle(page)
                    for name, label in pages:
                        if label is not None:
                            nav(page, label if lang == "zh" else ENGLISH[label])
                        if name in ACTIONS:
                            ACTIONS[name](page, lang)
                        if name == "verify":
                            page.get_by_label(
                                "证书编号" if lang == "zh" else "Certificate number"
                            ).fill("ZZ-7K3X-1B2C-4D5E")
                            page.keyboard.press("Enter")
                            settle(page)
                        stem = f"{lang}-{who or 'public'}-{name}"
                        page.set_viewport_size({"width": 1366, "height": 768})
                        settle(page)
                        page.screenshot(path=str(OUT / f"{stem}.png"))
                        page.set_viewport_size({"width": 1366, "height": 2600})
                        settle(page)
                        page.screenshot(path=str(OUT / f"{stem}-tall.png"))
                        page.set_viewport_size({"width": 1366, "height": 768})
                        print(OUT / f"{stem}.png")
                    context.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
