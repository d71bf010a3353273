"""Small widgets shared by several pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import streamlit as st

from assessment import submissions
from assessment.accounts.principal import Principal
from assessment.errors import NotFound
from assessment.submissions.progress import Maximum
from standards import Standard
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
from ui.parts.common import (
    count,
    db,
    lang,
    number,
    points,
    standard,
    submission_label,
    t,
    tier_name,
    tr,
    when,
)

CURRENT = "current_submission"


def pick_submission(
    actor: Principal,
    *,
    key: str,
    statuses: Iterable[str] | None = None,
    prefer: Iterable[str] = (),
) -> submissions.SubmissionView | None:
    """Choose one of the submissions the actor may see; remembers the choice across pages.

    Newest first, those in a `prefer`red state (e.g. still editable) before the others. Each
    label says the submission's status as the database has it now: a browser keeps showing the
    label it was last sent for the chosen option, even when the option's label changes (a submit,
    an evaluator's approval), so whenever the chosen label differs from the one last shown, the
    choice is sent again with its new label."""
    wanted = set(statuses or [])
    first = set(prefer)
    found = [
        s for s in submissions.list_submissions(actor, db()) if not wanted or s.status in wanted
    ]
    if not found:
        return None
    ids = [s.id for s in sorted(found, key=lambda s: (s.status not in first, -s.id))]
    labels = {s.id: submission_label(standard(s.standard_id), s) for s in found}
    widget = f"{key}-{lang()}"
    shown_key = f"_shown::{widget}"
    current = st.session_state.get(widget)
    if current not in ids:  # first draw on this page, or the choice is gone
        remembered = st.session_state.get(CURRENT)
        current = remembered if remembered in ids else ids[0]
        st.session_state[widget] = current
    elif st.session_state.get(shown_key) != labels[current]:
        st.session_state[widget] = current
    chosen = st.selectbox(
        t("common.choose_submission"), ids, format_func=labels.__getitem__, key=widget
    )
    st.session_state[shown_key] = labels[chosen]
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


# --- score signals: one colour per meaning, one maximum per profile --------------------------------


def tier_colour(std: Standard, tier: str | None, target: str | None) -> str:
    """Green only when the target is reached; blue for a lower tier; orange for none."""
    ranks = {x.id: x.rank for x in std.tiers}
    if tier is None or tier not in ranks:
        return "orange"
    if target is None or ranks[tier] >= ranks.get(target, ranks[tier]):
        return "green"
    return "blue"


def tier_badge(std: Standard, tier: str | None, target: str | None) -> str:
    return f":{tier_colour(std, tier, target)}-badge[{tier_name(std, tier)}]"


def level_badge(level: int | None, target: int | None) -> str:
    """A maturity level: green when it reaches the target level, blue below, orange for none."""
    if level is None:
        return f":orange-badge[{t('common.no_tier')}]"
    colour = "green" if target is None or level >= target else "blue"
    return f":{colour}-badge[{t('scores.level_badge', level=level)}]"


def target_tier(std: Standard, profile: str) -> str | None:
    return next((p.tier for p in std.profiles if p.id == profile), None)


def maximum_sentences(maximum: Maximum) -> list[str]:
    """The profile's maximum in words, and why the share is taken of less, when it is."""
    first = t(
        "scores.maximum",
        full=points(maximum.full),
        mandatory_items=count(maximum.mandatory_items),
        mandatory=points(maximum.mandatory),
    )
    if maximum.optional_items:
        first += t(
            "scores.maximum_optional",
            optional_items=count(maximum.optional_items),
            optional=points(maximum.optional),
        )
    lines = [first + t("scores.maximum_end")]
    if maximum.open_optional_items:
        lines.append(
            t(
                "scores.counted",
                counted=points(maximum.counted),
                open_items=count(maximum.open_optional_items),
                open=points(maximum.open_optional),
            )
        )
    if maximum.not_applicable_items:
        lines.append(
            t(
                "scores.not_applicable",
                n=count(maximum.not_applicable_items),
                points=points(maximum.not_applicable),
            )
        )
    return lines
