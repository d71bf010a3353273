"""Evaluator review: the submission as a workbook and its report PDF, per item the firm's answer
and evidence, accept or adjust with a reason, public comments and internal notes, the
self-assessed vs evaluated difference per domain, then approve, return to the firm, or reject."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from assessment import submissions
from assessment.accounts.principal import Principal, Role
from assessment.certificates import issue as certificates
from assessment.errors import LifecycleError
from assessment.submissions import appdata, evidence
from standards import Standard
from standards.models import (
    ChoiceRule,
    Item,
    MultiRule,
    QuantityRule,
    SatisfactionRule,
    Scale,
    YesNoRule,
)
from ui.parts import auth
from ui.parts.common import (
    db,
    flash,
    labeller,
    lang,
    md,
    number,
    profile_name,
    show_error,
    show_flashes,
    standard_title,
    status_label,
    t,
    tier_name,
    tr,
)
from ui.parts.downloads import export_button, report_button
from ui.parts.widgets import (
    answer_text,
    comments_box,
    option_text,
    pick_submission,
    scale_grades,
    thresholds_checklist,
)

PREVIEW_MAX_BYTES = (
    5 * 1024 * 1024
)  # larger files: download only (each preview crosses the websocket)
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


def adjusted_widget(
    item: Item, original: Any, key: str, industry: str | None, scales: Mapping[str, Scale]
) -> Any:
    """The evaluator's corrected answer for an item (same shapes as the firm's answers)."""
    rule = item.rule
    label = t("review.corrected")
    if isinstance(rule, ChoiceRule):
        keys = [o.key for o in rule.options]
        texts = {
            o.key: f"{o.key} · {number(o.points)} · {option_text(o, industry)}"
            for o in rule.options
        }
        return st.selectbox(
            label,
            keys,
            index=keys.index(original) if original in keys else 0,
            format_func=texts.__getitem__,
            key=key,
        )
    if isinstance(rule, MultiRule):
        keys = [o.key for o in rule.options]
        texts = {o.key: f"{o.key} · {option_text(o, industry)}" for o in rule.options}
        return st.multiselect(
            label,
            keys,
            default=[k for k in (original or []) if k in keys],
            format_func=texts.__getitem__,
            key=key,
        )
    if isinstance(rule, YesNoRule):
        return st.radio(
            label,
            [True, False],
            index=0 if original else 1,
            format_func=labeller([True, False], lambda v: t("common.yes") if v else t("common.no")),
            horizontal=True,
            key=key,
        )
    if isinstance(rule, SatisfactionRule):
        grades = scale_grades(rule, scales)
        keys = list(grades)
        return st.selectbox(
            label,
            keys,
            index=keys.index(original) if original in keys else 0,
            format_func=grades.__getitem__,
            key=key,
        )
    if isinstance(rule, QuantityRule):
        current = original if isinstance(original, dict) else {}
        value = st.number_input(f"{label} ({rule.unit})", value=current.get("value"), key=key)
        return {**current, "value": value}
    return original


def chosen_checklist(item: Item, answer: Any) -> list[str]:
    """What the evaluator checks for the firm's option(s): each threshold and what proves it."""
    rule = item.rule
    if not isinstance(rule, ChoiceRule | MultiRule) or answer is None:
        return []
    chosen = set(answer) if isinstance(answer, list) else {answer}
    lines = []
    for option in rule.options:
        if option.key in chosen:
            lines += [
                f"{option.key} {line}" for line in thresholds_checklist(option, evidence=True)
            ]
    return lines


def show_evidence(actor: Principal, files: list[evidence.EvidenceView]) -> None:
    if not files:
        st.caption(t("review.no_evidence"))
        return
    for f in files:
        view, data = evidence.read_evidence(actor, db(), f.id)
        if view.media_type in IMAGE_TYPES:
            st.image(data, caption=view.filename, width=360)
        elif view.media_type == "application/pdf" and view.size <= PREVIEW_MAX_BYTES:
            st.pdf(data, height=420, key=f"pdf-{view.id}")
        st.download_button(
            f"{view.filename} · {number(view.size / 1024, 1)} KiB",
            data=data,
            file_name=view.filename,
            mime=view.media_type,
            key=f"ev-{view.id}",
            icon=":material/download:",
        )


def item_panel(
    actor: Principal,
    sub: submissions.SubmissionView,
    item: Item,
    decision: submissions.DecisionView | None,
    files: list[evidence.EvidenceView],
    open_review: bool,
    scales: Mapping[str, Scale],
) -> None:
    original = sub.answers.get(item.id)
    title = f"{item.number} {tr(item.title)}" if item.number else tr(item.title)
    with st.container(border=True, key=f"review-{item.id}"):
        badge = ""
        if decision is not None:
            badge = (
                f":green-badge[{t('review.accepted')}] "
                if decision.decision == "accept"
                else f":orange-badge[{t('review.adjusted')}] "
            )
        st.markdown(f"{badge}**{md(title)}** `{item.id}`")
        industry = sub.industry_type
        st.markdown(
            f"{t('review.firm_answer')}: {md(answer_text(item, original, industry, scales))}"
        )
        checklist = chosen_checklist(item, original)
        if checklist:
            st.markdown(
                f"{t('review.thresholds')}  \n" + "  \n".join(md(line) for line in checklist)
            )
        if decision is not None and decision.decision == "adjust":
            st.markdown(
                f"{t('review.evaluated_answer')}: {md(answer_text(item, decision.value, industry, scales))}  \n{t('review.reason')}: {md(decision.reason or '')}"
            )
        with st.expander(t("review.evidence", n=len(files)), icon=":material/attach_file:"):
            show_evidence(actor, files)
        if not open_review or original is None:
            return
        with st.form(f"decide-{item.id}", border=False):
            choice = st.radio(
                t("review.decision"),
                ["accept", "adjust"],
                format_func=labeller(["accept", "adjust"], lambda d: t(f"review.{d}")),
                horizontal=True,
                key=f"d-{item.id}",
            )
            value = adjusted_widget(item, original, f"v-{item.id}", industry, scales)
            reason = st.text_input(t("review.reason_input"), key=f"why-{item.id}")
            public = st.text_input(t("review.public_comment"), key=f"pub-{item.id}")
            internal = st.text_input(t("review.internal_note"), key=f"int-{item.id}")
            if st.form_submit_button(t("review.save_decision"), type="primary"):
                try:
                    submissions.decide_item(
                        actor,
                        db(),
                        sub.id,
                        key=item.id,
                        decision=choice,
                        value=value if choice == "adjust" else None,
                        reason=reason or None,
                        expected_version=sub.version,
                    )
                    if public.strip():
                        submissions.add_comment(
                            actor, db(), sub.id, body=public, visibility="public", item_id=item.id
                        )
                    if internal.strip():
                        submissions.add_comment(
                            actor,
                            db(),
                            sub.id,
                            body=internal,
                            visibility="internal",
                            item_id=item.id,
                        )
                except LifecycleError as exc:
                    show_error(exc)
                else:
                    flash(t("review.decided", item=item.number or item.id))
                    st.rerun()


def comparison(std: Standard, actor: Principal, sub: submissions.SubmissionView) -> None:
    self_result = appdata.result_for(actor, db(), sub.id, "self")
    if self_result is None:
        return
    other = (
        appdata.result_for(actor, db(), sub.id, "final")
        or appdata.result_for(actor, db(), sub.id, "evaluated")
        or self_result
    )
    cols = st.columns(3)
    cols[0].metric(
        t("review.self_total"), f"{number(self_result.total)} / {number(self_result.max_total)}"
    )
    cols[1].metric(
        t("review.evaluated_total"),
        f"{number(other.total)} / {number(other.max_total)}",
        number(round(other.total - self_result.total, 2)),
        delta_arrow="off",
    )
    if std.tiers:
        cols[2].metric(
            t("review.tier"),
            tier_name(std, other.tier),
            t("review.self_tier", tier=tier_name(std, self_result.tier)),
            delta_color="off",
            delta_arrow="off",
        )
    rows = appdata.domain_comparison(std, self_result, other)
    st.markdown(f"**{t('review.by_domain')}**")
    st.dataframe(
        [
            {
                t("review.domain"): f"{r.number or ''} {tr(r.name)}".strip(),
                t("review.self"): r.self_points,
                t("review.evaluated"): r.other_points,
                t("review.difference"): r.difference,
                t("review.max"): r.max_points,
            }
            for r in rows
        ],
        hide_index=True,
        width="stretch",
        height=36 * (len(rows) + 1) + 4,
        key="domain_diff",
    )


def actions(actor: Principal, sub: submissions.SubmissionView) -> None:
    st.divider()
    st.subheader(t("review.finish"))
    left, mid, right = st.columns(3)
    with left:
        st.caption(t("review.approve_hint"))
        if st.button(t("review.accept_rest"), key="accept_rest"):
            try:
                n = submissions.accept_remaining(actor, db(), sub.id, expected_version=sub.version)
            except LifecycleError as exc:
                show_error(exc)
            else:
                flash(t("review.accepted_rest", n=n))
                st.rerun()
        if st.button(
            t("review.approve"), type="primary", key="approve", icon=":material/verified:"
        ):
            try:
                certificates.approve(actor, db(), sub.id, expected_version=sub.version)
            except LifecycleError as exc:
                show_error(exc)
            else:
                flash(t("review.approved"))
                st.rerun()
    with mid, st.form("return_form"):
        text = st.text_area(t("review.return_comment"), key="return_text")
        if st.form_submit_button(t("review.return")):
            try:
                submissions.return_to_firm(
                    actor, db(), sub.id, comment=text, expected_version=sub.version
                )
            except LifecycleError as exc:
                show_error(exc)
            else:
                flash(t("review.returned"))
                st.rerun()
    with right, st.form("reject_form"):
        text = st.text_area(t("review.reject_reason"), key="reject_text")
        if st.form_submit_button(t("review.reject")):
            try:
                submissions.reject(actor, db(), sub.id, reason=text, expected_version=sub.version)
            except LifecycleError as exc:
                show_error(exc)
            else:
                flash(t("review.rejected"))
                st.rerun()


def note_form(actor: Principal, sub: submissions.SubmissionView) -> None:
    with st.form("note_form"):
        body = st.text_area(t("review.general_comment"), key="note_body")
        visibility = st.radio(
            t("review.visibility"),
            ["public", "internal"],
            format_func=labeller(["public", "internal"], lambda v: t(f"common.{v}")),
            horizontal=True,
            key="note_visibility",
        )
        if st.form_submit_button(t("review.add_comment")):
            try:
                submissions.add_comment(actor, db(), sub.id, body=body, visibility=visibility)
            except LifecycleError as exc:
                show_error(exc)
            else:
                flash(t("review.comment_added"))
                st.rerun()


def render() -> None:
    actor = auth.require_role(Role.EVALUATOR)
    show_flashes()
    st.title(t("review.title"))
    sub = pick_submission(
        actor, key="rv_pick", prefer=(submissions.SUBMITTED, submissions.IN_REVIEW)
    )
    if sub is None:
        st.info(t("queue.empty"))
        return
    std = appdata.submission_standard(actor, db(), sub.id)
    st.caption(
        f"{md(sub.organisation_name)} · {standard_title(std)} · {std.edition} · {profile_name(std, sub.profile)} · {status_label(sub.status)}"
    )
    with st.container(horizontal=True, key="review_documents"):
        export_button(actor, sub.id, key=f"export-{sub.id}")
        report_button(actor, sub.id, sub.status, key=f"report-{sub.id}")
    if sub.status == submissions.SUBMITTED:
        st.info(t("review.not_started"))
        if st.button(t("review.start"), type="primary", key="start_review"):
            try:
                submissions.start_review(actor, db(), sub.id, expected_version=sub.version)
            except LifecycleError as exc:
                show_error(exc)
            else:
                st.rerun()
        return
    open_review = sub.status == submissions.IN_REVIEW
    if not open_review:
        st.info(t("review.closed", status=status_label(sub.status)))
    comparison(std, actor, sub)
    decisions = submissions.list_decisions(actor, db(), sub.id)
    latest = max((d.review_round for d in decisions), default=0)
    current = {d.key: d for d in decisions if d.review_round == latest and d.kind == "item"}
    groups = appdata.question_groups(std, sub.profile, sub.industry_type)
    ids = [g.id for g in groups]
    by_id = {g.id: g for g in groups}

    def label(gid: str) -> str:
        g = by_id[gid]
        answered = [i for i in g.items if i.id in sub.answers]
        decided = sum(1 for i in answered if i.id in current)
        return t(
            "review.group_label",
            number=g.number or "",
            name=tr(g.name),
            decided=decided,
            answered=len(answered),
        )

    if ids:
        gid = st.selectbox(
            t("q.domain"), ids, format_func=labeller(ids, label), key=f"rv_group::{sub.id}-{lang()}"
        )
        files: dict[str, list[evidence.EvidenceView]] = {}
        for f in evidence.list_evidence(actor, db(), sub.id):
            files.setdefault(f.item_id or "", []).append(f)
        if files.get(""):
            with st.expander(t("review.general_evidence", n=len(files[""]))):
                show_evidence(actor, files[""])
        scales = appdata.submission_scales(actor, db(), sub.id)
        for item in by_id[gid].items:
            item_panel(
                actor, sub, item, current.get(item.id), files.get(item.id, []), open_review, scales
            )
    comments_box(actor, sub.id)
    if open_review:
        note_form(actor, sub)
        actions(actor, sub)


if __name__ == "__main__":
    render()
