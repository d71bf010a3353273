"""Small widgets shared by several pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import streamlit as st

from assessment import submissions
from assessment.accounts.principal import Principal
from assessment.errors import NotFound
from standards.models import (
    ChoiceRule,
    Item,
    MultiRule,
    Option,
    QuantityRule,
    SatisfactionRule,
    Scale,
    YesNoRule,
)
from ui.parts.common import db, lang, number, standard, submission_label, t, tr, when

CURRENT = "current_submission"


def pick_submission(
    actor: Principal,
    *,
    key: str,
    statuses: Iterable[str] | None = None,
    prefer: Iterable[str] = (),
) -> submissions.SubmissionView | None:
    """Choose one of the submissions the actor may see; remembers the choice across pages.

    Newest first, those in a `prefer`red state (e.g. still editable) before the others."""
    wanted = set(statuses or [])
    first = set(prefer)
    found = [
        s for s in submissions.list_submissions(actor, db()) if not wanted or s.status in wanted
    ]
    if not found:
        return None
    ids = [s.id for s in sorted(found, key=lambda s: (s.status not in first, -s.id))]
    labels = {s.id: submission_label(standard(s.standard_id), s) for s in found}
    remembered = st.session_state.get(CURRENT)
    chosen = st.selectbox(
        t("common.choose_submission"),
        ids,
        index=ids.index(remembered) if remembered in ids else 0,
        format_func=labels.__getitem__,
        key=f"{key}-{lang()}",
    )
    st.session_state[CURRENT] = chosen
    try:
        return submissions.get_submission(actor, db(), chosen)
    except NotFound:
        st.session_state.pop(CURRENT, None)
        return None


def open_submission(submission_id: int, page: str) -> None:
    st.session_state[CURRENT] = submission_id
    st.switch_page(page)


def comments_box(
    actor: Principal, submission_id: int, *, title_key: str = "common.comments"
) -> None:
    comments = submissions.list_comments(actor, db(), submission_id)
    if not comments:
        return
    st.subheader(t(title_key))
    for c in comments:
        mark = t("common.internal") if c.visibility == "internal" else t("common.public")
        item = f" · {c.item_id}" if c.item_id else ""
        with st.container(border=True):
            st.caption(f"{when(c.created_at)} · {mark}{item}")
            st.text(c.body)


def scale_grades(rule: SatisfactionRule, scales: Mapping[str, Scale]) -> dict[str, str]:
    """The grades of the item's scale as the submission's snapshot holds them."""
    scale = scales.get(rule.scale)
    return {g.key: tr(g.text) for g in (scale.grades if scale else [])}


def option_text(option: Option, industry: str | None) -> str:
    """The descriptor a firm of this industry type reads, in the page's language."""
    return tr(option.text_for(industry))


def thresholds_checklist(option: Option, *, evidence: bool = False) -> list[str]:
    """The option's numeric criteria as checklist lines (with what proves each, for evaluators)."""
    lines = []
    for threshold in option.thresholds:
        line = f"☐ {threshold.describe(lang())}"
        if evidence and threshold.evidence is not None:
            line += f" — {t('review.threshold_evidence')}{tr(threshold.evidence)}"
        lines.append(line)
    return lines


def answer_text(item: Item, value: Any, industry: str | None, scales: Mapping[str, Scale]) -> str:
    """An answer in words, in the page's language (review page, import preview)."""
    rule = item.rule
    if value is None:
        return t("review.unanswered")
    if isinstance(value, Mapping) and value.get("na") is True:
        return t("common.not_applicable", reason=value.get("reason") or "—")
    if isinstance(rule, ChoiceRule):
        option = next((o for o in rule.options if o.key == value), None)
        return f"{value} · {option_text(option, industry)}" if option else str(value)
    if isinstance(rule, MultiRule) and isinstance(value, list):
        texts = {o.key: option_text(o, industry) for o in rule.options}
        return "；".join(f"{k} · {texts.get(k, k)}" for k in value)
    if isinstance(rule, YesNoRule):
        return t("common.yes") if value else t("common.no")
    if isinstance(rule, SatisfactionRule):
        return scale_grades(rule, scales).get(value, str(value))
    if isinstance(rule, QuantityRule) and isinstance(value, Mapping):
        if isinstance(value.get("products"), list):
            return "；".join(
                f"{p.get('name') or '—'} {number(p.get('value'))} {rule.unit}"
                for p in value["products"]
                if isinstance(p, Mapping)
            )
        parts = [f"{number(value.get('value'))} {rule.unit}"]
        if value.get("baseline") is not None:
            parts.append(t("review.baseline", v=number(value["baseline"])))
        if value.get("leading") is not None:
            parts.append(t("review.leading", v=number(value["leading"])))
        return " · ".join(parts)
    if isinstance(rule, QuantityRule) and isinstance(value, int | float):
        return f"{number(value)} {rule.unit}"
    return str(value)
