"""Evaluator review, item by item: the submission as a workbook and its report PDF, the
self-assessed vs evaluated difference per domain; then one item at a time — the firm's answer
with its evidence beside it, accept (A) or adjust to another answer with a reason, and on to the
next item without a decision (N; J/K for next/previous) — with one compact row per item of the
domain below, a batch "accept the rest of this domain", comments, and approve, return or reject.

Every label is drawn from what was just read: after each write the page reruns, and the
selectors are told their value again (ui/parts/choice.py) so they show the new status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from assessment import submissions
from assessment.accounts.principal import Principal, Role
from assessment.certificates import issue as certificates
from assessment.errors import LifecycleError, NotFound
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
from ui.parts.choice import choose, current_choice
from ui.parts.common import (
    db,
    flash,
    labeller,
    md,
    number,
    profile_name,
    show_error,
    show_flashes,
    standard,
    standard_title,
    status_label,
    submission_label,
    t,
    tier_name,
    tr,
)
from ui.parts.downloads import export_button, report_button
from ui.parts.widgets import (
    CURRENT,
    answer_text,
    comments_box,
    option_text,
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


STATUS_COLOUR: dict[str, str] = {
    submissions.SUBMITTED: "blue",
    submissions.IN_REVIEW: "violet",
    submissions.RETURNED: "orange",
    submissions.APPROVED: "green",
    submissions.REJECTED: "red",
    submissions.REVOKED: "gray",
}


def status_badge(status: str) -> str:
    return f":{STATUS_COLOUR.get(status, 'gray')}-badge[{status_label(status)}]"


def pick(actor: Principal) -> submissions.SubmissionView | None:
    """The submission under review: those in review or waiting first, then the newest; the
    label carries the status as stored now."""
    found = submissions.list_submissions(actor, db())
    if not found:
        return None
    first = (submissions.IN_REVIEW, submissions.SUBMITTED)
    ids = [s.id for s in sorted(found, key=lambda s: (s.status not in first, -s.id))]
    labels = {s.id: submission_label(standard(s.standard_id), s) for s in found}
    remembered = st.session_state.get(CURRENT)
    chosen = current_choice(
        t("common.choose_submission"),
        ids,
        labels,
        key="rv_pick",
        default=remembered if remembered in ids else ids[0],
    )
    st.session_state[CURRENT] = chosen
    try:
        return submissions.get_submission(actor, db(), chosen)
    except NotFound:
        st.session_state.pop(CURRENT, None)
        return None


@dataclass(frozen=True)
class Desk:
    """What the review of one submission draws on, read once per run."""

    actor: Principal
    sub: submissions.SubmissionView
    groups: list[appdata.Group]
    current: dict[str, submissions.DecisionView]
    files: dict[str, list[evidence.EvidenceView]]
    scales: Mapping[str, Scale]
    open_review: bool

    @property
    def answered(self) -> set[str]:
        return set(self.sub.answers)

    def go_on(self, after: str | None) -> None:
        """Show the next item without a decision (as of the next run's reading)."""
        st.session_state[f"rv_after::{self.sub.id}"] = after


def group_key(sub_id: int) -> str:
    return f"rv_group::{sub_id}"


def focus_key(sub_id: int) -> str:
    return f"rv_focus::{sub_id}"


def place_focus(desk: Desk) -> None:
    """The domain and item in focus: after a decision the next undecided item (the group
    selector moved with it), otherwise the item chosen before, else the group's first undecided
    item, else its first answered one."""
    sid = desk.sub.id
    decided = set(desk.current)
    moved = f"rv_after::{sid}"
    if moved in st.session_state:
        step = appdata.next_undecided(
            desk.groups, desk.answered, decided, after=st.session_state.pop(moved)
        )
        if step is not None:
            choose(group_key(sid), step[0])
            st.session_state[focus_key(sid)] = step[1]


def decide(desk: Desk, item: Item, decision: str, value: Any = None, reason: str = "") -> None:
    try:
        submissions.decide_item(
            desk.actor,
            db(),
            desk.sub.id,
            key=item.id,
            decision=decision,
            value=value if decision == "adjust" else None,
            reason=reason or None,
            expected_version=desk.sub.version,
        )
    except LifecycleError as exc:
        show_error(exc)
    else:
        key = "fast.accepted_one" if decision == "accept" else "fast.adjusted_one"
        flash(t(key, item=item.number or item.id))
        desk.go_on(item.id)
        st.rerun()


def decision_badge(decision: submissions.DecisionView | None) -> str:
    if decision is None:
        return f":gray-badge[{t('fast.undecided')}]"
    if decision.decision == "accept":
        return f":green-badge[{t('review.accepted')}]"
    return f":orange-badge[{t('review.adjusted')}]"


def item_title(item: Item) -> str:
    return f"{item.number} {tr(item.title)}" if item.number else tr(item.title)


def focus_panel(desk: Desk, item: Item, position: tuple[int, int]) -> None:
    """The item in focus: what the firm said and what decides it, with its evidence beside."""
    sub, industry = desk.sub, desk.sub.industry_type
    original = sub.answers.get(item.id)
    decision = desk.current.get(item.id)
    with st.container(border=True, key="review_focus"):
        st.caption(t("fast.position", n=position[0], total=position[1]))
        st.markdown(f"{decision_badge(decision)} **{md(item_title(item))}** `{item.id}`")
        left, right = st.columns([3, 2], gap="medium")
        with left:
            st.markdown(
                f"{t('review.firm_answer')}: "
                f"{md(answer_text(item, original, industry, desk.scales))}"
            )
            checklist = chosen_checklist(item, original)
            if checklist:
                st.markdown(
                    f"{t('review.thresholds')}  \n" + "  \n".join(md(line) for line in checklist)
                )
            if decision is not None and decision.decision == "adjust":
                st.markdown(
                    f"{t('review.evaluated_answer')}: "
                    f"{md(answer_text(item, decision.value, industry, desk.scales))}  \n"
                    f"{t('review.reason')}: {md(decision.reason or '')}"
                )
            if desk.open_review and original is not None:
                decision_row(desk, item, original, decision)
        with right:
            files = desk.files.get(item.id, [])
            st.markdown(f"**{t('review.evidence', n=len(files))}**")
            show_evidence(desk.actor, files)


def decision_row(
    desk: Desk, item: Item, original: Any, decision: submissions.DecisionView | None
) -> None:
    """Accept with one key, or adjust: the other answer and the reason in one row."""
    if st.button(
        t("fast.accept"),
        type="primary",
        key=f"accept-{item.id}",
        icon=":material/check:",
        shortcut="A",
        help=t("fast.accept_help"),
    ):
        decide(desk, item, "accept")
    start = decision.value if decision is not None and decision.decision == "adjust" else original
    with st.form(f"adjust-{item.id}", border=False):
        value_col, reason_col = st.columns([1, 1], vertical_alignment="bottom")
        with value_col:
            value = adjusted_widget(
                item, start, f"v-{item.id}", desk.sub.industry_type, desk.scales
            )
        with reason_col:
            reason = st.text_input(t("review.reason_input"), key=f"why-{item.id}")
        if st.form_submit_button(t("fast.adjust"), icon=":material/edit:"):
            decide(desk, item, "adjust", value, reason)


def navigation(desk: Desk, order: list[str], focus: str) -> None:
    """Previous / next item and the next one that still needs a decision."""
    sid = desk.sub.id
    at = order.index(focus)
    with st.container(horizontal=True, key="review_nav"):
        if st.button(
            t("fast.previous"),
            key="rv_prev",
            icon=":material/arrow_back:",
            shortcut="K",
            disabled=at == 0,
        ):
            st.session_state[focus_key(sid)] = order[at - 1]
            st.rerun()
        if st.button(
            t("fast.next"),
            key="rv_next",
            icon=":material/arrow_forward:",
            shortcut="J",
            disabled=at == len(order) - 1,
        ):
            st.session_state[focus_key(sid)] = order[at + 1]
            st.rerun()
        waiting = appdata.next_undecided(desk.groups, desk.answered, set(desk.current), focus)
        if st.button(
            t("fast.next_undecided"),
            key="rv_next_undecided",
            icon=":material/skip_next:",
            shortcut="N",
            disabled=waiting is None or waiting[1] == focus,
        ):
            desk.go_on(focus)
            st.rerun()


ROW_ANSWER_CHARS = 32  # a row shows the start of the firm's answer; the focus panel all of it


def brief(text: str) -> str:
    return text if len(text) <= ROW_ANSWER_CHARS else text[: ROW_ANSWER_CHARS - 1] + "…"


def item_rows(desk: Desk, group: appdata.Group, focus: str | None) -> None:
    """One compact row per item of the domain: its state and title, the start of the firm's
    answer (→ the evaluated one), open it, and for an item without a decision, accept it."""
    industry = desk.sub.industry_type
    for item in group.items:
        original = desk.sub.answers.get(item.id)
        decision = desk.current.get(item.id)
        shown = item.id == focus
        with st.container(key=f"row-{item.id}"):
            title, answer_col, open_col, accept_col = st.columns(
                [5, 5, 1, 1.3], vertical_alignment="center", gap="small"
            )
            badge = decision_badge(decision) if original is not None else ""
            title.markdown(f"{badge} {'▶ ' if shown else ''}**{md(item_title(item))}**")
            if original is None:
                answer_col.caption(t("review.unanswered"))
                continue
            answer = brief(answer_text(item, original, industry, desk.scales))
            if decision is not None and decision.decision == "adjust":
                answer += " → " + brief(answer_text(item, decision.value, industry, desk.scales))
            answer_col.caption(md(answer))
            if not shown and open_col.button(
                t("fast.open"), key=f"row-open-{item.id}", type="tertiary"
            ):
                st.session_state[focus_key(desk.sub.id)] = item.id
                st.rerun()
            if (
                not shown
                and desk.open_review
                and decision is None
                and accept_col.button(
                    t("fast.accept_short"), key=f"row-accept-{item.id}", icon=":material/check:"
                )
            ):
                decide(desk, item, "accept")


def batch(desk: Desk, group: appdata.Group) -> None:
    """Accept every item of the domain that has no decision yet (one action, one audit entry)."""
    left = [i for i in group.items if i.id in desk.answered and i.id not in desk.current]
    if not desk.open_review or not left:
        return
    if st.button(
        t("fast.accept_domain", n=len(left)),
        key="rv_accept_domain",
        icon=":material/done_all:",
        help=t("fast.accept_domain_help"),
    ):
        try:
            n = submissions.accept_remaining(
                desk.actor, db(), desk.sub.id, expected_version=desk.sub.version, domain=group.id
            )
        except LifecycleError as exc:
            show_error(exc)
        else:
            flash(t("fast.accepted_domain", n=n, domain=f"{group.number or ''} {tr(group.name)}"))
            desk.go_on(left[-1].id)
            st.rerun()


def review_desk(desk: Desk) -> str | None:
    """The domain selector, the item in focus and the domain's rows; returns the focused item."""
    sid = desk.sub.id
    place_focus(desk)
    by_id = {g.id: g for g in desk.groups}
    ids = list(by_id)
    decided = set(desk.current)

    def label(g: appdata.Group) -> str:
        answered = [i for i in g.items if i.id in desk.answered]
        return t(
            "review.group_label",
            number=g.number or "",
            name=tr(g.name),
            decided=sum(1 for i in answered if i.id in decided),
            answered=len(answered),
        )

    first_open = appdata.next_undecided(desk.groups, desk.answered, decided)
    gid = current_choice(
        t("q.domain"),
        ids,
        {g: label(by_id[g]) for g in ids},
        key=group_key(sid),
        default=first_open[0] if first_open else ids[0],
    )
    group = by_id[gid]
    order = [i.id for i in group.items if i.id in desk.answered]
    total = len(appdata.review_order(desk.groups, desk.answered))
    st.caption(
        t("fast.progress", decided=len(decided & desk.answered), total=total)
        + " · "
        + t("fast.keys")
    )
    focus = st.session_state.get(focus_key(sid))
    if focus not in order:
        undecided = [i for i in order if i not in decided]
        focus = (undecided or order)[0] if order else None
        st.session_state[focus_key(sid)] = focus
    if desk.files.get(""):
        with st.expander(t("review.general_evidence", n=len(desk.files[""]))):
            show_evidence(desk.actor, desk.files[""])
    if focus is not None:
        item = next(i for i in group.items if i.id == focus)
        overall = [i for _, i in appdata.review_order(desk.groups, desk.answered)]
        navigation(desk, order, focus)
        focus_panel(desk, item, (overall.index(focus) + 1, len(overall)))
    st.markdown(f"**{t('fast.items_of_domain')}**")
    batch(desk, group)
    item_rows(desk, group, focus)
    return focus


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


def note_form(actor: Principal, sub: submissions.SubmissionView, focus: Item | None) -> None:
    """A comment on the submission, or on the item in focus; public or internal."""
    with st.form("note_form"):
        body = st.text_area(t("review.general_comment"), key="note_body")
        visibility = st.radio(
            t("review.visibility"),
            ["public", "internal"],
            format_func=labeller(["public", "internal"], lambda v: t(f"common.{v}")),
            horizontal=True,
            key="note_visibility",
        )
        on_item = focus is not None and st.checkbox(
            t("fast.note_on_item", item=focus.number or focus.id), key="note_on_item"
        )
        if st.form_submit_button(t("review.add_comment")):
            try:
                submissions.add_comment(
                    actor,
                    db(),
                    sub.id,
                    body=body,
                    visibility=visibility,
                    item_id=focus.id if on_item and focus is not None else None,
                )
            except LifecycleError as exc:
                show_error(exc)
            else:
                flash(t("review.comment_added"))
                st.rerun()


def render() -> None:
    actor = auth.require_role(Role.EVALUATOR)
    show_flashes()
    st.title(t("review.title"))
    sub = pick(actor)
    if sub is None:
        st.info(t("queue.empty"))
        return
    std = appdata.submission_standard(actor, db(), sub.id)
    st.markdown(
        f"{status_badge(sub.status)} {md(sub.organisation_name)} · {md(standard_title(std))} · "
        f"{md(std.edition)} · {md(profile_name(std, sub.profile))}"
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
    with st.expander(t("review.by_domain"), expanded=not open_review):
        comparison(std, actor, sub)
    decisions = submissions.list_decisions(actor, db(), sub.id)
    latest = max((d.review_round for d in decisions), default=0)
    files: dict[str, list[evidence.EvidenceView]] = {}
    for f in evidence.list_evidence(actor, db(), sub.id):
        files.setdefault(f.item_id or "", []).append(f)
    desk = Desk(
        actor=actor,
        sub=sub,
        groups=appdata.question_groups(std, sub.profile, sub.industry_type),
        current={d.key: d for d in decisions if d.review_round == latest and d.kind == "item"},
        files=files,
        scales=appdata.submission_scales(actor, db(), sub.id),
        open_review=open_review,
    )
    focus = review_desk(desk) if desk.groups else None
    comments_box(actor, sub.id)
    if open_review:
        items = {i.id: i for g in desk.groups for i in g.items}
        note_form(actor, sub, items.get(focus) if focus else None)
        actions(actor, sub)


if __name__ == "__main__":
    render()
