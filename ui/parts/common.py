"""Shared helpers of the Streamlit pages: language, the database, formatting, error display.

No rules live here: texts come from the i18n catalogs (ui/i18n) and the standards' YAML,
every number from a service.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st

from assessment import submissions
from assessment.benchmark import store as benchmark_store
from assessment.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    InvalidTransition,
    LifecycleError,
    NotFound,
    PermissionDenied,
)
from assessment.storage.db import CHINA, Database, StorageBusy, database_url, open_database
from standards import Standard, Text, bundled_library
from ui.i18n import DEFAULT, LANGUAGES, translate

LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


def lang() -> str:
    value = st.session_state.get("lang")
    return value if value in LANGUAGES else DEFAULT


def t(key: str, **values: Any) -> str:
    return translate(lang(), key, **values)


def tr(text: Text | None) -> str:
    return text.get(lang()) if text is not None else ""


_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>$~|#"})


def md(text: object) -> str:
    """Escape text from data so that Markdown shows it literally."""
    return str(text).translate(_MARKDOWN_SPECIAL)


def number(value: float | int | None, digits: int = 2) -> str:
    """A measured quantity (tce, kWh, KiB): thousands separators, at most `digits` decimals,
    trailing zeros dropped. Scores go through `points`, `share` and `gain` instead."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}".rstrip("0").rstrip(".")
    return f"{value:,}"


# The one formatter of scores: every page that shows points, a share or a gain calls these, so a
# figure reads the same on the questionnaire, the results, the home cards and the tables (tables
# get the string, never the float, or Streamlit prints 1.0000).
POINT_DIGITS = 2
SHARE_DIGITS = 1


def points(value: float | int | None) -> str:
    """Points: always two decimals, thousands separators (`1,234.50`)."""
    if value is None:
        return "—"
    return f"{float(value):,.{POINT_DIGITS}f}"


def score_of(total: float | int | None, maximum: float | int | None) -> str:
    """`22.33 / 500.00`: a score against its maximum, both as points."""
    return f"{points(total)} / {points(maximum)}"


def share(percent: float | int | None) -> str:
    """A share given in percent (the engine's 0–100 figures): one decimal and `%` (`87.4%`)."""
    if percent is None:
        return "—"
    return f"{float(percent):,.{SHARE_DIGITS}f}%"


def gain(value: float | int | None) -> str:
    """A change in points, signed, two decimals (`+1.00`, `−0.50`)."""
    if value is None:
        return "—"
    figure = float(value)
    if abs(figure) < 0.5 * 10**-POINT_DIGITS:
        return points(0.0)
    sign = "+" if figure > 0 else "−"
    return f"{sign}{abs(figure):,.{POINT_DIGITS}f}"


def count(value: int | None) -> str:
    """A count of things (items, firms): thousands separators, no decimals."""
    return "—" if value is None else f"{int(value):,}"


def when(value: dt.datetime | None) -> str:
    """A stored UTC time shown in China Standard Time."""
    if value is None:
        return "—"
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


@st.cache_resource(show_spinner=False)
def _database(url: str) -> Database:
    """Opened once per process: the schema upgraded, and the benchmark rows written if the
    database predates them (actions keep them in step from then on; no page rebuilds them)."""
    database = open_database(url)
    benchmark_store.ensure(database)
    # What every page shares from here on (modules, the validated library, the engine) lives as
    # long as the process. Streamlit runs a full collection after every script run; left in the
    # tracked heap, these ~250,000 objects cost 250–800 ms per click (docs/performance.md) for
    # nothing to free. Frozen, the collection walks only what the sessions allocate.
    bundled_library()
    gc.collect()
    gc.freeze()
    return database


def db() -> Database:
    """The app's database (DATABASE_URL, else the embedded SQLite file), upgraded on first use."""
    return _database(database_url())


def standard(standard_id: str) -> Standard:
    return bundled_library().standard(standard_id)


def labeller(options: Iterable[Any], text: Callable[[Any], str]) -> Callable[[Any], str]:
    """A widget's format_func with every label computed now, in the page's language.

    A lazy format_func that called t() would read the language whenever Streamlit (or AppTest)
    formats an option later, possibly outside this run; a table of labels cannot drift."""
    table = {option: text(option) for option in options}
    return table.__getitem__


def status_label(status: str) -> str:
    return t(f"status.{status}")


def profile_name(std: Standard, profile: str) -> str:
    found = next((p for p in std.profiles if p.id == profile), None)
    return tr(found.name) if found else profile


def tier_name(std: Standard, tier: str | None) -> str:
    if tier is None:
        return t("common.no_tier")
    found = next((x for x in std.tiers if x.id == tier), None)
    return tr(found.name) if found else tier


def standard_title(std: Standard) -> str:
    return tr(std.short_title or std.title)


def submission_label(std: Standard, sub: submissions.SubmissionSummary | Any) -> str:
    return t(
        "common.submission_label",
        id=sub.id,
        standard=standard_title(std),
        profile=profile_name(std, sub.profile),
        status=status_label(sub.status),
    )


def show_error(exc: LifecycleError) -> None:
    """A heading for the kind of failure and the service's problems below it, both in the page's
    language (each problem is rendered from the catalogue, never shown as the English text)."""
    kind = {
        StorageBusy: "busy",
        Conflict: "conflict",
        InvalidInput: "invalid",
        InvalidTransition: "transition",
        PermissionDenied: "denied",
        NotFound: "not_found",
        AuthenticationFailed: "auth",
    }
    name = next((v for k, v in kind.items() if isinstance(exc, k)), "failed")
    details = "\n".join(f"- {md(p.shown(lang()))}" for p in exc.problems[:30])
    st.error(f"**{t(f'error.{name}')}**\n\n{t('error.details')}\n{details}")


def flash(message: str, kind: str = "success") -> None:
    """A message shown once, on the next run (survives st.rerun / st.switch_page)."""
    st.session_state.setdefault("_flash", []).append((kind, message))


def show_flashes() -> None:
    for kind, message in st.session_state.pop("_flash", []):
        getattr(st, kind)(message)
