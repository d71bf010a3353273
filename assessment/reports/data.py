"""`ReportData`: everything a report PDF prints, as plain rows, built from scoring results.

Built from the self-assessed `Result` and, when an evaluator has reviewed the submission, the
evaluated `Result`. Without an evaluated result the report is a self-assessment: the renderer
titles and watermarks it 自评结果，仅供参考 and gives it no seal and no certificate number.

`benchmark` is an optional plain dict, filled by the benchmark feature later (see
docs/certificates.md for the keys the renderer understands).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.certificates.record import result_sha256
from assessment.reports import plain
from assessment.storage.tables import ItemDecision, Review
from scoring import Result
from scoring.carbon import CarbonResult
from standards import Label, Standard

SELF = "self"
EVALUATED = "evaluated"


@dataclass(frozen=True)
class Summary:
    label_zh: str
    label_en: str
    total: float
    max_total: float
    percent: float | None
    tier: str | None  # "zh / en" of the tier reached, or None
    level: int | None
    complete: bool
    eligible: bool | None
    missing: int


@dataclass(frozen=True)
class GateRow:
    id: str
    title_zh: str
    title_en: str
    clause: str  # without the encoders' remarks (plain.clean_clause)
    label: str  # an unofficial label's name, "第三方资料 third-party material"; else empty
    self_state: str
    evaluated_state: str | None
    message: str  # in words, zh and en


@dataclass(frozen=True)
class DomainRow:
    id: str
    name_zh: str
    name_en: str
    self_percent: float | None
    evaluated_percent: float | None


@dataclass(frozen=True)
class ItemRow:
    number: str
    id: str
    title_zh: str
    self_answer: str
    evaluated_answer: str | None
    points: float
    max_points: float
    status: str
    changed: bool


@dataclass(frozen=True)
class UpgradeRow:
    item: str
    title_zh: str
    current: str
    to: str
    gain: float
    effort: int


@dataclass(frozen=True)
class GapRow:
    item: str
    title_zh: str
    answer: str
    points_lost: float
    best: str | None


@dataclass(frozen=True)
class NextTierData:
    tier: str
    reachable: bool
    message: str
    total_effort: int
    upgrades: list[UpgradeRow]


@dataclass(frozen=True)
class FlagRow:
    """One unofficial encoding in words. `label` and `note` are the engine's code and note: kept
    for readers of the data, never printed (the note names the encoders' files and commits)."""

    what: str
    label: str
    note: str
    what_zh: str = ""
    what_en: str = ""
    sentence_zh: str = ""
    sentence_en: str = ""


@dataclass(frozen=True)
class AdjustmentRow:
    """An answer the evaluator changed, with the reason the evaluator gave."""

    number: str
    key: str
    title_zh: str
    title_en: str
    self_answer: str
    evaluated_answer: str
    reason: str


@dataclass(frozen=True)
class ReceiptRow:
    which: str
    standard: str
    standard_sha256: str
    answers_sha256: str
    result_sha256: str
    engine_version: str


@dataclass(frozen=True)
class CarbonSummary:
    year: int
    rows: list[tuple[str, str]]  # (label, value) pairs, already formatted
    flagged_factors: list[str]


@dataclass(frozen=True)
class ReportData:
    kind: str  # SELF or EVALUATED
    firm_name: str
    credit_code: str | None
    standard_id: str
    standard_edition: str
    standard_title_zh: str
    standard_title_en: str
    profile_zh: str
    profile_en: str
    industry_type: str | None
    generated_on: dt.date
    summaries: list[Summary]
    gates: list[GateRow]
    domains: list[DomainRow]
    items: list[ItemRow]
    next_tier: NextTierData | None
    gaps: list[GapRow]
    flags: list[FlagRow]
    receipts: list[ReceiptRow]
    carbon: CarbonSummary | None = None
    benchmark: Mapping[str, Any] | None = None
    certificate_number: str | None = None
    reviewed_by: str | None = None
    notes: list[str] = field(default_factory=list)
    # None: the caller did not read the decisions (the report then says nothing about them).
    adjustments: list[AdjustmentRow] | None = None

    @property
    def is_self_assessment(self) -> bool:
        return self.kind == SELF

    def texts(self) -> list[str]:
        """Every text the report prints from data (for the missing-glyph check)."""
        out = [self.firm_name, self.credit_code or "", self.standard_title_zh]
        out += [self.standard_title_en, self.profile_zh, self.reviewed_by or ""]
        out += [g.title_zh + g.message + g.clause for g in self.gates]
        out += [d.name_zh + d.name_en for d in self.domains]
        out += [i.title_zh + i.self_answer + (i.evaluated_answer or "") for i in self.items]
        out += [f.what_zh + f.what_en + f.sentence_zh + f.sentence_en for f in self.flags]
        out += [
            a.title_zh + a.self_answer + a.evaluated_answer + a.reason
            for a in self.adjustments or []
        ]
        if self.next_tier:
            out += [self.next_tier.message, *(u.title_zh for u in self.next_tier.upgrades)]
        out += [g.title_zh for g in self.gaps]
        if self.carbon:
            out += [label + value for label, value in self.carbon.rows]
        if self.benchmark:
            out += [str(k) + str(v) for k, v in self.benchmark.items()]
        return out


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def format_answer(answer: Any) -> str:
    """An answer as printed: option keys, 是/否, measured values with their baseline → leading."""
    if answer is None:
        return "—"
    if isinstance(answer, bool):
        return "是 yes" if answer else "否 no"
    if isinstance(answer, str):
        return answer
    if isinstance(answer, Mapping):
        if answer.get("na"):
            reason = answer.get("reason")
            return "不适用 N/A" + (f"（{reason}）" if reason else "")
        return ", ".join(f"{k}={v}" for k, v in answer.items())
    if isinstance(answer, list | tuple):
        if answer and all(isinstance(a, Mapping) for a in answer):
            parts = []
            for measure in answer:
                text = _num(float(measure["value"])) if measure.get("value") is not None else "?"
                if measure.get("baseline") is not None and measure.get("leading") is not None:
                    text += (
                        f"（基准 {_num(measure['baseline'])} → 引领 {_num(measure['leading'])}）"
                    )
                if measure.get("weight") is not None:
                    text += f" ×{_num(measure['weight'])}"
                parts.append(text)
            return "; ".join(parts)
        return "+".join(str(a) for a in answer) if answer else "—"
    return str(answer)


_GATE_STATE = {True: "通过 pass", False: "未通过 FAIL", None: "待定 open"}
_STATUS = {
    "scored": "已评分",
    "missing": "未答",
    "skipped": "不计",
    "not_applicable": "不适用",
    "na": "不适用",
}


def _summary(result: Result, standard: Standard, zh: str, en: str) -> Summary:
    tiers = {t.id: t for t in standard.tiers}
    tier = tiers.get(result.tier or "")
    return Summary(
        label_zh=zh,
        label_en=en,
        total=result.total,
        max_total=result.max_total,
        percent=result.percent,
        tier=(
            f"{tier.name.zh} {tier.name.en}"
            if tier
            else (None if standard.tiers else "本标准不分等级 no tiers")
        ),
        level=result.level,
        complete=result.complete,
        eligible=result.eligible,
        missing=len(result.missing),
    )


def _profile_nodes(standard: Standard) -> list[str]:
    """Ids of the nodes the profile chart shows: domains when there are any, else elements."""
    for level in ("domain", "element", "subdomain"):
        ids = [n.id for n in standard.nodes if n.level.value == level]
        if ids:
            return ids
    return []


def _carbon_summary(carbon: CarbonResult) -> CarbonSummary:
    eff = carbon.carbon_efficiency
    grade = f"{eff.grade} 级 {eff.grade_name.zh}" if eff.grade and eff.grade_name else "—"
    rows = [
        ("综合能耗 Energy (tce)", _num(carbon.energy_tce)),
        ("范围一 Scope 1 (tCO2)", _num(carbon.scope1_tco2)),
        ("范围二（位置法）Scope 2 location (tCO2)", _num(carbon.scope2_location_tco2)),
        ("范围二（市场法）Scope 2 market (tCO2)", _num(carbon.scope2_market_tco2)),
        ("合计 Total (tCO2)", _num(carbon.total_tco2)),
        (
            "碳排放强度 tCO2 / 万元工业增加值",
            _num(carbon.intensity.tco2_per_10k_yuan_value_added),
        ),
        ("能耗强度 tce / 万元工业增加值", _num(carbon.intensity.tce_per_10k_yuan_value_added)),
        (
            "碳效码 L / band",
            f"{_num(eff.L)} · {eff.band} {eff.band_name.zh}"
            + (f"（{_label_words(eff.label)}）" if _label_words(eff.label) else ""),
        ),
        ("碳效等级 Grade (K)", grade + (f" · K={_num(eff.K)}" if eff.K is not None else "")),
    ]
    flagged = [
        f"{f.name}：{plain.label_name(f.label, 'zh')} {plain.label_name(f.label, 'en')}"
        for f in carbon.factors
        if f.flagged
    ]
    return CarbonSummary(year=carbon.year, rows=rows, flagged_factors=flagged)


def _gate_detail(passed: bool | None, message: str) -> str:
    """The engine's gate message (English, with evidence codes) as the report prints it."""
    codes = [label.value for label in Label]
    if message.startswith("not answered"):
        return "未作答 not answered"
    if message == "declared met":
        return "企业声明满足 declared met"
    if message.startswith("declared not met"):
        return "企业声明不满足 declared not met"
    if passed is None and any(code in message for code in codes):
        return "官方取值尚未找到，未评估 no official value yet; not evaluated"
    if passed is None:
        return "未评估 not evaluated"
    return message  # figures: "2500 万元 ≥ 2000 万元 (default)"


def _label_words(label: str) -> str:
    """The name of an unofficial label in both languages; nothing for OFFICIAL and NEWS."""
    found = plain.as_label(label)
    if found is not None and not found.is_flagged:
        return ""
    return f"{plain.label_name(label, 'zh')} {plain.label_name(label, 'en')}"


@dataclass(frozen=True)
class Decision:
    """What the report needs of an evaluator's decision (assessment.submissions.DecisionView and
    the rows `final_adjustments` reads have these fields)."""

    kind: str
    key: str
    decision: str
    original: Any
    value: Any
    reason: str | None


def final_adjustments(session: Session, submission_id: int) -> list[Decision]:
    """The adjustments of the submission's last finished review round: the round whose decisions
    the evaluated result was scored from. Read in the caller's transaction."""
    last = session.scalars(
        select(Review.id)
        .where(Review.submission_id == submission_id, Review.finished_at.is_not(None))
        .order_by(Review.round.desc())
        .limit(1)
    ).first()
    if last is None:
        return []
    rows = session.scalars(
        select(ItemDecision)
        .where(ItemDecision.review_id == last, ItemDecision.decision == "adjust")
        .order_by(ItemDecision.kind, ItemDecision.key)
    )
    return [Decision(d.kind, d.key, d.decision, d.original, d.value, d.reason) for d in rows]


def adjustment_rows(standard: Standard, decisions: Iterable[Any]) -> list[AdjustmentRow]:
    items = {i.id: i for i in standard.items}
    gates = {g.id: g for g in standard.gates}
    order = {i.id: n for n, i in enumerate(standard.items)}
    rows = []
    adjusted = [d for d in decisions if d.decision == "adjust"]
    adjusted.sort(key=lambda d: (d.kind != "item", order.get(d.key, len(order)), d.key))
    for d in adjusted:
        spec = items.get(d.key) if d.kind == "item" else None
        gate = gates.get(d.key) if d.kind == "gate" else None
        title = spec.title if spec else gate.title if gate else None
        rows.append(
            AdjustmentRow(
                number=(spec.number or "") if spec else "",
                key=d.key,
                title_zh=title.zh if title else d.key,
                title_en=title.en if title else "",
                self_answer=format_answer(d.original),
                evaluated_answer=format_answer(d.value),
                reason=d.reason or "—",
            )
        )
    return rows


def build_report_data(
    standard: Standard,
    self_result: Result,
    *,
    firm_name: str,
    generated_on: dt.date,
    evaluated: Result | None = None,
    credit_code: str | None = None,
    carbon: CarbonResult | None = None,
    benchmark: Mapping[str, Any] | None = None,
    certificate_number: str | None = None,
    reviewed_by: str | None = None,
    decisions: Iterable[Any] | None = None,
) -> ReportData:
    """Report rows from a self-assessed result and, optionally, the evaluated one with the
    evaluator's decisions (`final_adjustments`); adjustments are printed with their reasons."""
    for which, result in (("self-assessed", self_result), ("evaluated", evaluated)):
        if result is not None and result.standard_id != standard.id:
            raise ValueError(f"the {which} result is for {result.standard_id}, not {standard.id}")
    if evaluated is not None and evaluated.profile != self_result.profile:
        raise ValueError(
            f"the evaluated result is for profile {evaluated.profile}, "
            f"the self-assessment for {self_result.profile}"
        )
    current = evaluated or self_result
    items = {i.id: i for i in standard.items}
    nodes = {n.id: n for n in standard.nodes}
    profile = next(p for p in standard.profiles if p.id == self_result.profile)

    summaries = [_summary(self_result, standard, "自评", "Self-assessed")]
    if evaluated is not None:
        summaries.append(_summary(evaluated, standard, "评估员审核", "Evaluated"))

    gates_by_id = {g.id: g for g in standard.gates}
    evaluated_gates = {g.id: g for g in evaluated.gates} if evaluated else {}
    gate_rows = []
    for gate in self_result.gates:
        spec = gates_by_id.get(gate.id)
        other = evaluated_gates.get(gate.id)
        gate_rows.append(
            GateRow(
                id=gate.id,
                title_zh=spec.title.zh if spec else gate.id,
                title_en=spec.title.en if spec else "",
                clause=plain.clean_clause(gate.clause),
                label=_label_words(gate.label),
                self_state=_GATE_STATE[gate.passed],
                evaluated_state=_GATE_STATE[other.passed] if other else None,
                message=_gate_detail((other or gate).passed, (other or gate).message),
            )
        )

    self_nodes = {n.id: n for n in self_result.nodes}
    eval_nodes = {n.id: n for n in evaluated.nodes} if evaluated else {}
    domains = []
    for node_id in _profile_nodes(standard):
        own = self_nodes.get(node_id)
        if own is None or own.max_points == 0:
            continue  # outside the profile
        ev = eval_nodes.get(node_id)
        domains.append(
            DomainRow(
                id=node_id,
                name_zh=nodes[node_id].name.zh,
                name_en=nodes[node_id].name.en,
                self_percent=own.percent,
                evaluated_percent=ev.percent if ev else None,
            )
        )

    self_items = {t["id"]: t for t in self_result.to_dict()["items"]}
    eval_items = {t["id"]: t for t in evaluated.to_dict()["items"]} if evaluated else {}
    item_rows = []
    numbered = any(i.number for i in standard.items)
    for index, trace in enumerate(current.to_dict()["items"], start=1):
        spec = items.get(trace["id"])
        own = self_items.get(trace["id"])
        self_answer = format_answer(own["answer"]) if own else "—"
        ev = eval_items.get(trace["id"])
        ev_answer = format_answer(ev["answer"]) if ev else None
        item_rows.append(
            ItemRow(
                number=(spec.number or "") if spec and numbered else str(index),
                id=trace["id"],
                title_zh=spec.title.zh if spec else trace["id"],
                self_answer=self_answer,
                evaluated_answer=ev_answer,
                points=trace["points"],
                max_points=trace["max_points"],
                status=_STATUS.get(trace["status"], trace["status"]),
                changed=ev_answer is not None and ev_answer != self_answer,
            )
        )

    def title(item_id: str) -> str:
        spec = items.get(item_id)
        return spec.title.zh if spec else item_id

    next_tier = None
    if current.next_tier is not None:
        nt = current.next_tier
        tier = next((t for t in standard.tiers if t.id == nt.tier), None)
        next_tier = NextTierData(
            tier=f"{tier.name.zh} {tier.name.en}" if tier else nt.tier,
            reachable=nt.reachable,
            message=nt.message,
            total_effort=nt.total_effort,
            upgrades=[
                UpgradeRow(
                    item=u.item,
                    title_zh=title(u.item),
                    current=format_answer(u.current),
                    to=u.to,
                    gain=u.points_gain,
                    effort=u.effort,
                )
                for u in nt.upgrades
            ],
        )
    current_dict = current.to_dict()
    gaps = [
        GapRow(
            item=g["item"],
            title_zh=title(g["item"]),
            answer=format_answer(g["answer"]),
            points_lost=g["points_lost"],
            best=g["best"],
        )
        for g in current_dict["gaps"][:15]
    ]

    flags: dict[tuple[str, str], FlagRow] = {}
    for result in (self_result, evaluated):
        if result is None:
            continue
        for flag in result.flags:
            flags.setdefault(
                (flag.what, flag.label),
                FlagRow(
                    flag.what,
                    flag.label,
                    flag.note,
                    what_zh=plain.subject_name(flag.what, "zh"),
                    what_en=plain.subject_name(flag.what, "en"),
                    sentence_zh=plain.label_sentence(flag.label, "zh", flag.what),
                    sentence_en=plain.label_sentence(flag.label, "en", flag.what),
                ),
            )

    receipts = []
    for which, result in (("自评 self-assessed", self_result), ("评估 evaluated", evaluated)):
        if result is None:
            continue
        receipts.append(
            ReceiptRow(
                which=which,
                standard=f"{result.receipt.standard_id} {result.receipt.edition}",
                standard_sha256=result.receipt.standard_sha256,
                answers_sha256=result.receipt.answers_sha256,
                result_sha256=result_sha256(result),
                engine_version=result.receipt.engine_version,
            )
        )

    return ReportData(
        kind=EVALUATED if evaluated is not None else SELF,
        firm_name=firm_name,
        credit_code=credit_code,
        standard_id=standard.id,
        standard_edition=standard.edition,
        standard_title_zh=standard.title.zh,
        standard_title_en=standard.title.en,
        profile_zh=profile.name.zh,
        profile_en=profile.name.en,
        industry_type=self_result.industry_type,
        generated_on=generated_on,
        summaries=summaries,
        gates=gate_rows,
        domains=domains,
        items=item_rows,
        next_tier=next_tier,
        gaps=gaps,
        flags=list(flags.values()),
        receipts=receipts,
        carbon=_carbon_summary(carbon) if carbon is not None else None,
        benchmark=dict(benchmark) if benchmark is not None else None,
        certificate_number=certificate_number,
        reviewed_by=reviewed_by,
        adjustments=(
            adjustment_rows(standard, decisions)
            if evaluated is not None and decisions is not None
            else None
        ),
    )
