"""How long answering one item takes in a real browser: click an option in the questionnaire, until
the app has saved it, redrawn the live score and gone idle. Prints median and p95 over the clicks,
and the size of what the server sent per answer. Optionally screenshots the questionnaire at a
phone's viewport (390 × 844).

    .venv/bin/python tests/scores_speed.py [--clicks 30] [--phone]

Runs `streamlit run` on a freshly seeded SQLite file (tests/e2e_support.py) and Debian's Chromium.
Not a test: the figures depend on the machine; the report quotes them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_support import ARTIFACTS, chromium_browser, nav, settle, sign_in, streamlit_server

# Resolves once the app has run a script and is idle again (Streamlit marks the app's element).
WAIT_IDLE = """
() => new Promise((resolve) => {
  const app = document.querySelector("[data-testid='stApp']");
  let ran = false;
  const check = () => {
    const state = app.getAttribute("data-test-script-state");
    if (state === "running") ran = true;
    if (ran && state === "notRunning") { observer.disconnect(); resolve(true); }
  };
  const observer = new MutationObserver(check);
  observer.observe(app, {attributes: true});
  window.__zhizaoIdle = () => ran;
})
"""


def _pick_ff_draft(page: object) -> None:
    """Choose the future-factory draft; the dropdown may close on a rerun, so try again."""
    box = page.locator(".st-key-q_pick-zh")  # type: ignore[attr-defined]
    box.wait_for()
    for _ in range(10):
        settle(page)
        box.click()
        option = page.get_by_role("option").filter(has_text="草稿")  # type: ignore[attr-defined]
        if not _appears(option.first):
            continue  # the dropdown closed on a rerun; open it again
        option.first.click()
        settle(page)
        return
    raise RuntimeError("the submission selector did not open")


def _appears(locator: object) -> bool:
    from playwright.sync_api import TimeoutError as Timeout  # noqa: PLC0415

    try:
        locator.wait_for(timeout=3_000)  # type: ignore[attr-defined]
    except Timeout:
        return False
    return True


def count_received(page: object) -> list[int]:
    """Bytes the server sends over the app's websocket, counted from now (before sign-in)."""
    received = [0]

    def frame(payload: str | bytes) -> None:
        received[0] += len(payload if isinstance(payload, bytes) else payload.encode())

    page.on("websocket", lambda ws: ws.on("framereceived", frame))  # type: ignore[attr-defined]
    return received


def answer_times(page: object, received: list[int], clicks: int) -> tuple[list[float], list[int]]:
    """Click options of the radio items of the current domain, one after another."""
    times: list[float] = []
    sizes: list[int] = []
    _pick_ff_draft(page)
    groups = page.locator("[data-testid='stRadioGroup']")  # type: ignore[attr-defined]
    n = groups.count()
    done = 0
    turn = 0
    while done < clicks:
        group = groups.nth(done % n)
        options = group.locator("[data-testid='stRadioOption']")
        choice = options.nth(turn % max(1, options.count()))
        choice.scroll_into_view_if_needed()
        before = received[0]
        idle = page.evaluate_handle(WAIT_IDLE)  # type: ignore[attr-defined]
        start = time.perf_counter()
        choice.click()
        page.wait_for_function("(p) => p", arg=idle, timeout=30_000)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - start) * 1000)
        sizes.append(received[0] - before)
        done += 1
        if done % n == 0:
            turn += 1
    return times, sizes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clicks", type=int, default=30)
    parser.add_argument("--phone", action="store_true", help="also screenshot at 390 × 844")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        streamlit_server(Path(folder)) as (base, _),
        chromium_browser(args.chromium) as b,
    ):
        page = b.new_page(viewport={"width": 1280, "height": 900})
        received = count_received(page)
        sign_in(page, base, "firm")
        nav(page, "问卷填报")
        times, sizes = answer_times(page, received, args.clicks)
        ordered = sorted(times)
        p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
        print(
            f"answer click → idle over {len(times)} clicks: median "
            f"{statistics.median(times):.0f} ms, p95 {p95:.0f} ms, max {max(times):.0f} ms; "
            f"server → browser per answer: median {statistics.median(sizes) / 1024:.1f} KiB"
        )
        if args.phone:
            phone = b.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
            sign_in(phone, base, "firm")
            phone.goto(f"{base}/questionnaire", wait_until="domcontentloaded")
            settle(phone)
            _pick_ff_draft(phone)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            target = ARTIFACTS / "phone-questionnaire.png"
            phone.screenshot(path=str(target))
            print(f"phone screenshot: {target}")


if __name__ == "__main__":
    main()
