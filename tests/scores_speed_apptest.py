"""AppTest timing of answering items in the questionnaire (a full script run per answer, as AppTest
runs it) and of the live-score work inside one run. Prints median and p95 per answer.

    .venv/bin/python tests/scores_speed_apptest.py [--answers 30]

Not a test: the figures depend on the machine; the report quotes them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=30)
    args = parser.parse_args()
    from app_support import World, run, seed_file  # noqa: PLC0415

    from assessment import submissions  # noqa: PLC0415
    from assessment.storage.db import open_database  # noqa: PLC0415
    from standards.models import ChoiceRule  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "app.sqlite"
        seed_file(path)
        url = f"sqlite:///{path}"
        os.environ["DATABASE_URL"] = url
        os.environ["ZHIZAO_KEY_DIR"] = str(Path(folder) / "keys")
        world = World(url, open_database(url))
        firm = world.user("firm")
        draft = world.submission("firm", "draft")
        at = world.app("firm")
        at.session_state["current_submission"] = draft.id
        run(at)
        run(at.switch_page("ui/pages/questionnaire.py"))
        std = submissions.get_submission(firm, world.db, draft.id)
        from assessment.submissions import appdata  # noqa: PLC0415

        standard = appdata.submission_standard(firm, world.db, draft.id)
        drawn = {r.key.split("::")[-1] for r in at.radio if r.key}
        radios = [i for i in standard.items if isinstance(i.rule, ChoiceRule) and i.id in drawn]
        times = []
        for n in range(args.answers):
            item = radios[n % len(radios)]
            option = item.rule.options[(n // len(radios)) % len(item.rule.options)].key  # type: ignore[union-attr]
            start = time.perf_counter()
            run(at.radio(key=f"q::{draft.id}::{item.id}").set_value(option))
            times.append((time.perf_counter() - start) * 1000)
        ordered = sorted(times)
        p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
        saved = submissions.get_submission(firm, world.db, draft.id)
        print(
            f"AppTest, answer → full run over {len(times)} answers ({len(radios)} items of the "
            f"first domain): median {statistics.median(times):.0f} ms, p95 {p95:.0f} ms; "
            f"version {std.version} → {saved.version}"
        )


if __name__ == "__main__":
    main()
