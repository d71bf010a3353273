"""Screenshots of future-factory items as a firm reads them (not a test): the questionnaire's items
FF-001, FF-007, FF-046, FF-094 and FF-097 in Chinese and English, with their thresholds and
builds-on links, for a future-factory assessment of the demo firm.

    .venv/bin/python tests/screens_bank.py       # → tmp/artifacts/screens/bank-*.png

Look at them: the descriptor is the bank's level, each threshold is listed under its option, no
tofu boxes.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from app_support import ROOT, World
from e2e_support import chromium_browser, nav, settle, sign_in, streamlit_server

from assessment import submissions
from assessment.storage.db import open_database

OUT = Path(os.environ.get("ZHIZAO_ARTIFACTS", ROOT / "tmp" / "artifacts")) / "screens"
ITEMS = {"FF-001": "技术支撑", "FF-007": "体系保障", "FF-046": "智能化生产", "FF-094": "高端化产品",
         "FF-097": "服务化延伸"}  # fmt: skip
DOMAINS_EN = {"技术支撑": "Technology support", "体系保障": "Management systems",
              "智能化生产": "Intelligent production", "高端化产品": "High-end products",
              "服务化延伸": "Service extension"}  # fmt: skip


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zhizao-bank-") as tmp:
        folder = Path(tmp)
        with (
            streamlit_server(folder) as (base, url),
            chromium_browser("/usr/bin/chromium") as browser,
        ):
            db = open_database(url)
            world = World(url, db)
            firm = world.user("firm")
            draft = submissions.get_submission(firm, db, world.submission("firm", "draft").id)
            sub = submissions.create_submission(
                firm, db, org_id=draft.organisation_id, standard_id="zj-future-factory",
                profile="ff", industry_type="discrete",
            )  # fmt: skip
            db.dispose()
            for lang in ("zh", "en"):
                context = browser.new_context(viewport={"width": 1366, "height": 900})
                page = context.new_page()
                page.set_default_timeout(30_000)
                sign_in(page, base, "firm")
                if lang == "en":
                    page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
                    settle(page)
                nav(page, "问卷填报" if lang == "zh" else "Questionnaire")
                chooser = page.get_by_test_id("stSelectbox").first
                chooser.click()
                page.get_by_role("option").filter(has_text=f"#{sub.id}").first.click()
                settle(page)
                for item, domain in ITEMS.items():
                    picker = page.get_by_test_id("stSelectbox").nth(1)
                    picker.click()
                    name = domain if lang == "zh" else DOMAINS_EN[domain]
                    page.keyboard.type(name)  # the list is long: filter it
                    page.get_by_role("option").filter(has_text=name).first.click()
                    settle(page)
                    box = page.locator(f".st-key-item-{item}")
                    box.scroll_into_view_if_needed()
                    path = OUT / f"bank-{lang}-{item}.png"
                    box.screenshot(path=str(path))
                    print(path)
                context.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
