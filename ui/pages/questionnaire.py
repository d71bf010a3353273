"""Enterprise questionnaire: items grouped by domain with progress, the option descriptors, evidence
per item, autosave through the versioned service, the live score, tier and gates, and the items the
target tier requires highlighted. The Excel template and the import of a filled workbook (preview,
then import) are in ui/parts/offline.py. One domain is drawn at a time, inside a fragment, so that
answering an item reruns only that domain (105 items stay fast).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from assessment import submissions
from assessment.accounts.principal import Principal, Role
from assessment.errors import Conflict, InvalidInput, LifecycleError
from assessment.storage.db import StorageBusy
from assessment.submissions import appdata, evidence, progress
from scoring import Result
from scoring.applicability import gate_applies
from standards import Standard
from standards.models import (
    ChoiceRule,
    Gate,
    GateKind,
    Item,
    MultiRule,
    Option,
    QuantityRule,
    SatisfactionRule,
    Scale,
    YesNoRule,
)
from ui.parts import auth, offline, plain
from ui.parts.common import (
    count,
    db,
    flash,
    labeller,
    md,
    number,
    points,
    profile_name,
    score_of,
    share,
    show_error,
    show_flashes,
    standard_title,
    status_label,
    t,
    tier_name,
    tr,
)
from ui.parts.widgets import (
    comments_box,
    level_badge,
    maximum_sentences,
    option_text,
    pick_submission,
    target_tier,
    thresholds_checklist,
    tier_badge,
)

GATES = "__gates__"


def _k(sid: int, *parts: object) -> str:
    return "::".join(["q", str(sid), *map(str, parts)])


# --- state and saving -----------------------------------------------------------------------------


def _state(sid: int) -> dict[str, Any]:
    return st.session_state.setdefault(f"qstate::{sid}", {})


def _load(sub: submissions.SubmissionView) -> None:
    state = _state(sub.id)
    if "version" not in state:
        state.update(version=sub.version, answers=dict(sub.answers), gates=dict(sub.gates))


def _reload(sid: int) -> None:
    for key in [
        k for k in st.session_state if str(k).startswith((f"q::{sid}::", f"qstate::{sid}"))
    ]:
        del st.session_state[key]


def _save(
    sid: int, *, answers: dict[str, Any] | None = None, gates: dict[str, Any] | None = None
) -> None:
    actor = auth.current_user()
    state = _state(sid)
    if actor is None:
        return
    try:
        view = submissions.save_answers(
            actor, db(), sid, expected_version=state["version"], answers=answers, gates=gates
        )
    except Conflict:
        state["conflict"] = True
        return
    except StorageBusy as exc:
        # The database was too busy to wait for: the choice stays on the page, marked as not
        # saved (and offered to save again) until a save of it goes through.
        unsaved = state.setdefault("unsaved", {})
        unsaved.update({("item", k): v for k, v in (answers or {}).items()})
        unsaved.update({("gate", k): v for k, v in (gates or {}).items()})
        state["error"] = exc
        return
    except LifecycleError as exc:
        state["error"] = exc
        return
    state.update(version=view.version, answers=dict(view.answers), gates=dict(view.gates))
    state.pop("error", None)
    unsaved = state.get("unsaved", {})
    for slot in [*(("item", k) for k in answers or {}), *(("gate", k) for k in gates or {})]:
        unsaved.pop(slot, None)
    state["saved"] = next(iter((answers or gates or {}).keys()), None)


def _save_again(sid: int) -> None:
    """Save every choice a busy database left unsaved, as one save."""
    unsaved = dict(_state(sid).get("unsaved", {}))
    if unsaved:
        _save(
            sid,
            answers={k: v for (kind, k), v in unsaved.items() if kind == "item"} or None,
            gates={k: v for (kind, k), v in unsaved.items() if kind == "gate"} or None,
        )


def _unsaved(sid: int, kind: str, key: str) -> tuple[bool, Any]:
    """Whether this item's (or gate's) last change is still unsaved, and the value chosen."""
    unsaved = _state(sid).get("unsaved", {})
    return (kind, key) in unsaved, unsaved.get((kind, key))


def _item_value(sid: int, item: Item) -> Any:
    rule = item.rule
    if isinstance(rule, MultiRule):
        ticked = [o.key for o in rule.options if st.session_state.get(_k(sid, item.id, o.key))]
        return ticked or None
    if isinstance(rule, QuantityRule):
        value = st.session_state.get(_k(sid, item.id, "value"))
        base = st.session_state.get(_k(sid, item.id, "baseline"))
        lead = st.session_state.get(_k(sid, item.id, "leading"))
        if value is None and not rule.derived_from:
            return None
        found: dict[str, Any] = {"value": value}
        if base is not None:
            found["baseline"] = base
        if lead is not None:
            found["leading"] = lead
        return found
    return st.session_state.get(_k(sid, item.id))


def _on_item(sid: int, item: Item) -> None:
    _save(sid, answers={item.id: _item_value(sid, item)})


def _on_gate(sid: int, gate: Gate) -> None:
    value = st.session_state.get(_k(sid, "gate", gate.id))
    if gate.kind is GateKind.MIN_VALUE and gate.variants:
        variant = st.session_state.get(_k(sid, "gate", gate.id, "variant")) or "default"
        value = None if value is None else {"value": value, "variant": variant}
    _save(sid, gates={gate.id: value})


def _on_upload(sid: int, item_id: str, nonce: int) -> None:
    actor = auth.current_user()
    upload = st.session_state.get(_k(sid, item_id, "upload", nonce))
    if actor is None or upload is None:
        return
    state = _state(sid)
    try:
        evidence.add_evidence(
            actor, db(), sid, filename=upload.name, data=upload.getvalue(), item_id=item_id
        )
    except LifecycleError as exc:
        state["error"] = exc
        return
    state.setdefault("nonce", {})[item_id] = nonce + 1
    state["uploaded"] = upload.name
    state.pop("files", None)


# --- drawing --------------------------------------------------------------------------------------


# On a phone the panel is one line (an expander); on a wide screen the metrics. Both are drawn and
# CSS shows one: the server cannot know the viewport, the browser can.
PANEL_CSS = """<style>
@media (max-width: 640px) { .st-key-score-full { display: none; } }
@media (min-width: 641px) { .st-key-score-compact { display: none; } }
</style>"""


def _reached(std: Standard, result: Result, profile: str) -> str | None:
    """The tier (or level) badge with its target, or None for a standard without either."""
    if std.tiers:
        target = target_tier(std, profile)
        return (
            f"{tier_badge(std, result.tier, target)} · {t('q.target', tier=tier_name(std, target))}"
        )
    if result.level is not None:
        return level_badge(result.level, None)
    return None


def draw_score(slot: Any, std: Standard, result: Result, profile: str) -> None:
    """The live score, tier and gates (redrawn by the fragment after each save): the score
    against the profile's full maximum, the same from the first answer to the last."""
    most = progress.maximum(result)
    done = progress.domain_state(result, [i.id for i in result.items])
    score = score_of(result.total, most.full)
    reached = _reached(std, result, profile)
    passed = sum(1 for g in result.gates if g.passed is True)
    failed = sum(1 for g in result.gates if g.passed is False)
    with slot.container(key="score-panel"):
        with st.container(border=True, key="score-full"):
            if reached is not None:
                st.markdown(f"{t('q.tier')}: {reached}")
            cols = st.columns(3)
            cols[0].metric(
                t("q.score"),
                score,
                t("scores.share", share=share(result.percent))
                if result.percent is not None
                else None,
                delta_color="off",
                delta_arrow="off",
            )
            cols[1].metric(
                t("q.answered"),
                f"{count(done.answered)} / {count(done.items)}",
                t("q.mandatory_left", n=done.mandatory_open),
                delta_color="off" if done.mandatory_open else "normal",
                delta_arrow="off",
            )
            cols[2].metric(
                t("q.gates"),
                f"{passed} / {len(result.gates)}",
                t("q.gates_failed", n=failed) if failed else None,
                delta_color="inverse" if failed else "off",
                delta_arrow="off",
            )
            st.caption(" ".join(maximum_sentences(most)))
            if result.next_tier is not None:
                st.caption(
                    t(
                        "q.next_tier",
                        tier=tier_name(std, result.next_tier.tier),
                        n=len(result.next_tier.upgrades),
                    )
                )
        with st.container(key="score-compact"):
            if std.tiers:
                line = t(
                    "scores.compact", score=score, tier=tier_name(std, result.tier),
                    answered=done.answered, items=done.items, left=done.mandatory_open,
                )  # fmt: skip
            elif result.level is not None:
                line = t(
                    "scores.compact_level", score=score, level=result.level,
                    answered=done.answered, items=done.items, left=done.mandatory_open,
                )  # fmt: skip
            else:
                line = t(
                    "scores.compact_plain", score=score,
                    answered=done.answered, items=done.items, left=done.mandatory_open,
                )  # fmt: skip
            with st.expander(line, icon=":material/leaderboard:"):
                if reached is not None:
                    st.markdown(f"{t('q.tier')}: {reached}")
                if result.percent is not None:
                    st.markdown(t("scores.share", share=share(result.percent)))
                st.markdown(f"{t('q.gates')}: {passed} / {len(result.gates)}")
                st.caption(" ".join(maximum_sentences(most)))


def _option_label(std: Standard, option: Option, industry: str | None) -> str:
    """Letter, points, tier and descriptor, then the option's thresholds as a checklist."""
    mark = f" · {tier_name(std, option.tier)}" if option.tier else ""
    label = (
        f"**{option.key}** · {t('q.points', p=points(option.points))}{mark} — "
        f"{md(option_text(option, industry))}"
    )
    checklist = thresholds_checklist(option)
    return "  \n".join([label, *(md(line) for line in checklist)])


def draw_item(
    sid: int,
    std: Standard,
    item: Item,
    answers: dict[str, Any],
    *,
    editable: bool,
    mandatory: bool,
    below: bool,
    files: list[evidence.EvidenceView],
    industry: str | None,
    scales: Mapping[str, Scale],
    reread: bool = False,
) -> None:
    title = f"{item.number} {tr(item.title)}" if item.number else tr(item.title)
    if item.industry is not None and item.industry in item.text_by_industry:
        title = f"{item.number or ''} {tr(item.text_by_industry[item.industry])}".strip()
    given = answers.get(item.id)
    badges = [
        f":blue-badge[{t('q.mandatory')}]" if mandatory else f":gray-badge[{t('q.optional')}]"
    ]
    if below and mandatory:
        badges.append(f":orange-badge[{t('q.below_target')}]")
    if given is None and mandatory:
        badges.append(f":red-badge[{t('q.unanswered')}]")
    pending, chosen_value = _unsaved(sid, "item", item.id)
    if pending:
        # The badges follow what is stored; the widget keeps what was chosen (not yet stored).
        badges.append(f":red-badge[{t('storage.unsaved_badge')}]")
        given = chosen_value
    if reread:
        badges.append(f":violet-badge[{t('q.reread')}]")
    rule = item.rule
    disabled = not editable
    with st.container(border=True, key=f"item-{item.id}"):
        st.markdown(" ".join(badges) + f" `{item.id}`")
        if item.help is not None:
            st.caption(md(tr(item.help)))
        label = md(title)
        if isinstance(rule, ChoiceRule):
            keys = [o.key for o in rule.options]
            text = {o.key: _option_label(std, o, industry) for o in rule.options}
            st.radio(
                label,
                keys,
                index=keys.index(given) if given in keys else None,
                format_func=text.__getitem__,
                key=_k(sid, item.id),
                on_change=_on_item,
                args=(sid, item),
                disabled=disabled,
            )
        elif isinstance(rule, MultiRule):
            st.markdown(f"**{label}**  \n{t('q.multi', cap=points(rule.cap))}")
            chosen = set(given or [])
            for o in rule.options:
                st.checkbox(
                    _option_label(std, o, industry),
                    value=o.key in chosen,
                    key=_k(sid, item.id, o.key),
                    on_change=_on_item,
                    args=(sid, item),
                    disabled=disabled,
                )
        elif isinstance(rule, YesNoRule):
            options = [True, False]
            names = {True: t("q.yes", p=points(rule.points)), False: t("q.no")}
            st.radio(
                label,
                options,
                index=options.index(given) if isinstance(given, bool) else None,
                format_func=names.__getitem__,
                horizontal=True,
                key=_k(sid, item.id),
                on_change=_on_item,
                args=(sid, item),
                disabled=disabled,
            )
        elif isinstance(rule, SatisfactionRule):
            scale = scales.get(rule.scale)  # the submission's snapshot, not the bundled library
            grades = {
                g.key: f"{tr(g.text)} ({points(g.value)})" for g in (scale.grades if scale else [])
            }
            keys = list(grades)
            st.radio(
                label,
                keys,
                index=keys.index(given) if given in keys else None,
                format_func=grades.__getitem__,
                horizontal=True,
                key=_k(sid, item.id),
                on_change=_on_item,
                args=(sid, item),
                disabled=disabled,
            )
        elif isinstance(rule, QuantityRule):
            measure = (
                given
                if isinstance(given, dict)
                else ({"value": given} if isinstance(given, int | float) else {})
            )
            st.markdown(f"**{label}**")
            cols = st.columns(3)
            # The value always; baseline and leading only where the standard gives none
            # (sector values the firm was told).
            fields = [
                ("value", t("q.value", unit=rule.unit), True),
                (
                    "baseline",
                    t("q.baseline"),
                    rule.baseline is None or rule.baseline.effective is None,
                ),
                ("leading", t("q.leading"), rule.leading is None or rule.leading.effective is None),
            ]
            for column, (field, label, shown) in zip(cols, fields, strict=True):
                if shown:
                    column.number_input(
                        label,
                        value=measure.get(field),
                        key=_k(sid, item.id, field),
                        on_change=_on_item,
                        args=(sid, item),
                        disabled=disabled,
                    )
            direction = (
                t("q.smaller_better")
                if rule.direction.value == "negative"
                else t("q.larger_better")
            )
            extra = t("q.derived", figure=rule.derived_from) if rule.derived_from else ""
            st.caption(f"{direction} · {t('q.points', p=points(rule.points))} {extra}")
        if item.evidence:
            st.caption(t("q.usual_evidence") + "；".join(md(tr(e)) for e in item.evidence))
        with st.expander(t("q.evidence", n=len(files)), icon=":material/attach_file:"):
            for f in files:
                st.markdown(f"- {md(f.filename)} · {number(f.size / 1024, 1)} KiB")
            if editable:
                nonce = _state(sid).get("nonce", {}).get(item.id, 0)
                st.file_uploader(
                    t("q.upload", types="PDF, PNG, JPG, Office"),
                    key=_k(sid, item.id, "upload", nonce),
                    on_change=_on_upload,
                    args=(sid, item.id, nonce),
                    type=list(evidence.ACCEPTED_EXTENSIONS),
                )


def draw_gate(
    sid: int,
    std: Standard,
    gate: Gate,
    gates: dict[str, Any],
    *,
    editable: bool,
    outcome: Any,
    profile: str,
) -> None:
    given = gates.get(gate.id)
    pending, chosen_value = _unsaved(sid, "gate", gate.id)
    if pending:
        given = chosen_value
    state = {
        True: f":green-badge[{t('q.gate_pass')}]",
        False: f":red-badge[{t('q.gate_fail')}]",
        None: f":gray-badge[{t('q.gate_open')}]",
    }
    with st.container(border=True, key=f"gate-{gate.id}"):
        veto = f" :orange-badge[{t('q.veto')}]" if gate.veto else ""
        if pending:
            veto += f" :red-badge[{t('storage.unsaved_badge')}]"
        st.markdown(
            f"{state[outcome.passed if outcome else None]}{veto} · {md(plain.clause(gate.clause))}"
        )
        label = md(tr(gate.question or gate.title))
        if gate.kind is GateKind.DECLARATION:
            options = [True, False]
            names = {True: t("q.gate_yes"), False: t("q.gate_no")}
            st.radio(
                label,
                options,
                index=options.index(given) if isinstance(given, bool) else None,
                format_func=names.__getitem__,
                horizontal=True,
                key=_k(sid, "gate", gate.id),
                on_change=_on_gate,
                args=(sid, gate),
                disabled=not editable,
            )
        elif gate.kind is GateKind.MIN_VALUE:
            value = given.get("value") if isinstance(given, dict) else given
            if gate.variants:  # e.g. the lower floors of mountain and island counties
                variants = ["default", *gate.variants]
                chosen = given.get("variant", "default") if isinstance(given, dict) else "default"
                st.radio(
                    t("q.gate_variant"),
                    variants,
                    index=variants.index(chosen) if chosen in variants else 0,
                    format_func=labeller(
                        variants,
                        lambda v: (
                            tr(gate.variants[v])
                            if v in gate.variants
                            else t("q.gate_variant_default")
                        ),
                    ),
                    horizontal=True,
                    key=_k(sid, "gate", gate.id, "variant"),
                    on_change=_on_gate,
                    args=(sid, gate),
                    disabled=not editable,
                )
            st.number_input(
                f"{label} ({gate.unit or ''})",
                value=value,
                key=_k(sid, "gate", gate.id),
                on_change=_on_gate,
                args=(sid, gate),
                disabled=not editable,
            )
            pending = {
                tr(v.explanation)
                for v in gate.thresholds.get(profile, {}).values()
                if v.effective is None and v.explanation is not None
            }
            for text in sorted(pending):
                st.info(text, icon=":material/hourglass_top:")
        else:
            st.markdown(f"**{label}**")
            st.caption(t("q.gate_computed"))


@st.fragment
def domain_fragment(
    actor: Principal,
    sub: submissions.SubmissionView,
    std: Standard,
    group: appdata.Group | None,
    reread: frozenset[str],
    editable: bool,
    score_slot: Any,
    only_open: bool,
) -> None:
    """One domain's items (or the gates): an answer reruns this fragment and the score panel
    above it, not the page. The domain selector's ✓ is the page's: when this domain becomes
    complete (or stops being), the page is run once more so that the ✓ tells the truth."""
    sid, profile, industry = sub.id, sub.profile, sub.industry_type
    state = _state(sid)
    if state.get("conflict"):
        st.error(t("q.conflict"))
        if st.button(t("q.reload"), key=f"reload-{sid}", type="primary"):
            _reload(sid)
            st.rerun()
        return
    if state.get("error") is not None:
        show_error(state.pop("error"))
    if state.get("unsaved"):
        # Until saved, every choice a busy database refused stays listed here, on any domain.
        names = "、".join(key for _, key in state["unsaved"])
        st.warning(t("storage.unsaved", items=names), icon=":material/cloud_off:")
        st.button(
            t("storage.retry"), key=f"save-again-{sid}", type="primary",
            on_click=_save_again, args=(sid,), disabled=not editable,
        )  # fmt: skip
    if state.pop("uploaded", None):
        st.toast(t("q.uploaded"))
    result = _live(actor, sub, std)
    # The score panel sits above the fragment: drawn from here on every run (full and fragment),
    # so that it follows each autosave.
    draw_score(score_slot, std, result, profile)
    # "saved" marks this tab's own save; spent before a rerun, or the page would take the next
    # change made elsewhere for its own and never reload it.
    if state.pop("saved", None) is not None:
        st.toast(t("q.saved"))
    if group is not None:
        complete = progress.domain_state(result, [i.id for i in group.items]).complete
        if complete != state.get("complete", {}).get(group.id, complete):
            st.rerun()
    answers, gates = state["answers"], state["gates"]
    if group is None:
        outcomes = {g.id: g for g in result.gates}
        for gate in std.gates:
            if gate.id in outcomes or gate_applies(gate, profile):
                draw_gate(
                    sid, std, gate, gates, editable=editable, outcome=outcomes.get(gate.id),
                    profile=profile,
                )  # fmt: skip
        return
    traces = {tr_.id: tr_ for tr_ in result.items}
    below = appdata.below_target(std, result)
    done = progress.domain_state(result, [i.id for i in group.items])
    st.progress(
        done.answered / done.items if done.items else 1.0,
        text=t(
            "q.group_progress",
            answered=done.answered,
            items=done.items,
            left=done.mandatory_open,
        ),
    )
    scales = _scales(actor, sid)
    files = _files(actor, sid)
    shown = 0
    for item in group.items:
        trace = traces.get(item.id)
        mandatory = trace is not None and trace.applicability == "mandatory"
        if only_open and not (trace is not None and trace.status == "missing"):
            continue
        shown += 1
        draw_item(
            sid,
            std,
            item,
            answers,
            editable=editable,
            mandatory=mandatory,
            below=item.id in below,
            files=files.get(item.id, []),
            industry=industry,
            scales=scales,
            reread=item.id in reread,
        )
    if shown == 0:
        st.success(t("q.group_done"))


def edition_box(actor: Principal, sub: submissions.SubmissionView, std: Standard) -> None:
    """A draft on an older edition may move to the current one; after a move, what to re-read."""
    applicable = [i.id for i, _ in appdata.applicable_items(std, sub.profile, sub.industry_type)]
    status = submissions.edition_status(actor, db(), sub.id)
    if not status.current:
        reread = [i for i in applicable if i in status.reread]
        with st.container(border=True, key="edition-box"):
            st.markdown(
                t("q.edition_newer", old=status.edition, new=status.current_edition, n=len(reread))
            )
            if status.summary is not None:
                st.caption(tr(status.summary))
            if reread:
                st.caption(t("q.edition_items", items="、".join(reread)))
            if st.button(t("q.edition_move", new=status.current_edition), key="edition-move"):
                try:
                    submissions.move_to_edition(
                        actor, db(), sub.id, expected_version=_state(sub.id)["version"]
                    )
                except Conflict:
                    _state(sub.id)["conflict"] = True
                except LifecycleError as exc:
                    show_error(exc)
                    return
                _reload(sub.id)
                flash(t("q.edition_moved", new=status.current_edition))
                st.rerun()
    reread_now = [i for i in applicable if i in sub.reread_items]
    if reread_now:
        st.warning(t("q.reread_list", n=len(reread_now), items="、".join(reread_now)))


def _scales(actor: Principal, sid: int) -> Mapping[str, Scale]:
    """The snapshot's scales, read once per page session (a snapshot never changes)."""
    state = _state(sid)
    if "scales" not in state:
        state["scales"] = appdata.submission_scales(actor, db(), sid)
    return state["scales"]  # type: ignore[no-any-return]


def _files(actor: Principal, sid: int) -> dict[str, list[evidence.EvidenceView]]:
    """The evidence per item, read again only after an upload (which drops it)."""
    state = _state(sid)
    if "files" not in state:
        files: dict[str, list[evidence.EvidenceView]] = {}
        for f in evidence.list_evidence(actor, db(), sid):
            files.setdefault(f.item_id or "", []).append(f)
        state["files"] = files
    return state["files"]  # type: ignore[no-any-return]


def _live(actor: Principal, sub: submissions.SubmissionView, std: Standard) -> Result:
    """The live score, computed once per saved version from the answers the page holds (the
    save returned them; the page and its fragment share the result)."""
    state = _state(sub.id)
    cached = state.get("result")
    if cached is not None and cached[0] == state["version"]:
        return cached[1]  # type: ignore[no-any-return]
    result = progress.score_answers(
        std, _scales(actor, sub.id), standard_id=sub.standard_id, edition=sub.edition,
        profile=sub.profile, industry_type=sub.industry_type,
        answers=state["answers"], gates=state["gates"],
    )  # fmt: skip
    state["result"] = (state["version"], result)
    return result


def _go(pick_key: str, group_id: str) -> None:
    st.session_state[pick_key] = group_id


def render() -> None:
    actor = auth.require_role(Role.ENTERPRISE)
    show_flashes()
    st.title(t("q.title"))
    sub = pick_submission(actor, key="q_pick", prefer=submissions.EDITABLE_STATES)
    if sub is None:
        st.info(t("common.no_submissions"))
        st.page_link("ui/pages/new_assessment.py", label=t("nav.new"), icon=":material/add_circle:")
        return
    _load(sub)
    state = _state(sub.id)
    if state["version"] != sub.version and not state.get("conflict"):
        # Changed elsewhere since this page loaded (another tab or colleague): take the new answers.
        # (This tab's own saves move state["version"] along, so they never count as elsewhere.)
        _reload(sub.id)
        _load(sub)
        state = _state(sub.id)
    std = appdata.submission_standard(actor, db(), sub.id)
    editable = sub.status in submissions.EDITABLE_STATES
    industry = f" · {t(f'industry.{sub.industry_type}')}" if sub.industry_type else ""
    st.caption(
        f"{standard_title(std)} · {std.edition} · {t('q.target_profile')}: {profile_name(std, sub.profile)}{industry} · {status_label(sub.status)}"
    )
    if sub.status == submissions.RETURNED:
        st.warning(t("q.returned"))
        comments_box(actor, sub.id, title_key="q.evaluator_comments")
    elif not editable:
        st.info(t("q.read_only", status=status_label(sub.status)))
    if editable:
        edition_box(actor, sub, std)
    offline.section(actor, sub, std, editable=editable, on_imported=_reload)
    st.html(PANEL_CSS)
    score_slot = st.empty()
    result = _live(actor, sub, std)
    groups = appdata.question_groups(std, sub.profile, sub.industry_type)
    ids = [g.id for g in groups] + ([GATES] if std.gates else [])
    by_id = {g.id: g for g in groups}

    def label(gid: str) -> str:
        if gid == GATES:
            return t("q.gates_group")
        g = by_id[gid]
        parent = f"{tr(g.parent_name)} / " if g.parent_name else ""
        mark = t("scores.complete_mark") if complete[gid] else ""
        return t(
            "scores.group_label", mark=mark, number=g.number or "", parent=parent,
            name=tr(g.name), items=len(g.items),
        )  # fmt: skip

    # ✓ only where every item is answered. The label counts the domain's items, not the answered
    # ones: those change with each answer, which reruns only the domain below (its progress bar
    # has them), so the label would soon be stale.
    complete = {
        g.id: progress.domain_state(result, [i.id for i in g.items]).complete for g in groups
    }
    state["complete"] = complete

    pick_key = f"q_group::{sub.id}"
    if st.session_state.get(pick_key) not in ids:
        st.session_state[pick_key] = ids[0]
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    current = left.selectbox(t("q.domain"), ids, format_func=labeller(ids, label), key=pick_key)
    only_open = right.toggle(t("q.only_open"), key=f"q_only_open::{sub.id}")
    group = by_id.get(current)
    if group is not None:
        st.subheader(f"{group.number or ''} {tr(group.name)}".strip())
    reread = frozenset(sub.reread_items) if editable else frozenset()
    domain_fragment(actor, sub, std, group, reread, editable, score_slot, only_open)
    position = ids.index(current)
    prev_col, next_col, _ = st.columns([1, 1, 3])
    if position > 0:
        prev_col.button(
            t("q.previous"), key="q_prev", icon=":material/arrow_back:",
            on_click=_go, args=(pick_key, ids[position - 1]),
        )  # fmt: skip
    if position < len(ids) - 1:
        next_col.button(
            t("q.next"), key="q_next", icon=":material/arrow_forward:",
            on_click=_go, args=(pick_key, ids[position + 1]),
        )  # fmt: skip
    if editable:
        st.divider()
        st.subheader(t("q.submit_title"))
        st.caption(t("q.submit_hint"))
        if st.button(t("q.submit"), type="primary", key="q_submit", icon=":material/send:"):
            try:
                submissions.submit(actor, db(), sub.id, expected_version=_state(sub.id)["version"])
            except Conflict:
                _state(sub.id)["conflict"] = True
                st.rerun()
            except InvalidInput as exc:
                st.error(t("q.submit_incomplete"))
                show_error(exc)
            except LifecycleError as exc:
                show_error(exc)
            else:
                _reload(sub.id)
                flash(t("q.submitted", id=sub.id))
                st.rerun()


if __name__ == "__main__":
    render()
