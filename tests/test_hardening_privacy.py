"""Issue 14, breaks 13 and 14: what one firm can learn about others through the benchmark, and
what a firm can see of the evaluator's review round while it is still open.

- A firm may not move itself between cohorts: its classification is an administrator's to change,
  and cohort membership is checked against the classification stored with its benchmark row.
- No service hands out single peers' results (the row-level `records.cohort` is gone).
- Cohort figures are published as of a refresh point (daily, midnight China time): two queries
  around one approval return the same figures until the next refresh point.
- While a review round is open, none of the evaluator's values or reasons reach the firm through
  any read service; once the round is finished they do.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import openpyxl
import pytest
from lifecycle_support import *  # noqa: F403 - the fixtures
from lifecycle_support import OPERATOR, FixedClock, World, build_world, snapshot

from assessment import submissions
from assessment.accounts import audit, organisations
from assessment.accounts.principal import Principal
from assessment.benchmark import store as benchmark_store
from assessment.benchmark.service import (
    Query,
    cohort_benchmark,
    firm_benchmark,
    firm_facts,
    lattice,
)
from assessment.certificates import issue as certificates
from assessment.certificates import records
from assessment.demo.seed import synthetic_cohort
from assessment.errors import InvalidInput, PermissionDenied
from assessment.excel.service import export_submission
from assessment.storage.db import CHINA, Database
from assessment.submissions import appdata
from scoring.benchmark import Metric

# --- break 13 (a): a firm cannot walk itself through the cohorts ---------------------------------

CLASSIFICATION = {
    "industry_code": "34",
    "region_code": "330108",
    "size_class": "large",
    "industry_type": "process",
    "employees": 5000,
    "revenue_wan": 90000.0,
}


@pytest.mark.parametrize(("field", "value"), sorted(CLASSIFICATION.items()))
def test_a_firm_member_cannot_change_its_classification(
    world: World, field: str, value: Any
) -> None:
    before = snapshot(world.db)
    with pytest.raises(PermissionDenied, match=f"{field}: .*administrator"):
        organisations.update_organisation(world.ent_a, world.db, world.org_a, **{field: value})
    assert snapshot(world.db) == before
    # what is not a classification stays the firm's own to edit
    renamed = organisations.update_organisation(
        world.ent_a, world.db, world.org_a, name="甲 测试制造股份有限公司"
    )
    assert renamed.name == "甲 测试制造股份有限公司"
    # an administrator may reclassify
    changed = organisations.update_organisation(
        world.admin, world.db, world.org_a, **{field: value}
    )
    assert getattr(changed, field) == value


def test_cohort_membership_is_checked_against_the_benchmark_row(world: World) -> None:
    """Membership is read from the firm's benchmark row, never from fields a firm may edit; an
    administrator's reclassification rewrites the row (the read model follows its source), and the
    firm may then look where the row says — and nowhere else."""
    db = world.db
    world.submission("approved")  # org A: division 36, county 330206 (Ningbo), medium
    firm_benchmark(world.ent_a, db, world.org_a, Query(region="330200", size="medium"))
    with pytest.raises(PermissionDenied, match="cohorts it belongs to"):
        firm_benchmark(world.ent_a, db, world.org_a, Query(region="330100"))
    organisations.update_organisation(
        world.admin, db, world.org_a, region_code="330108", size_class="large"
    )
    firm_benchmark(world.ent_a, db, world.org_a, Query(region="330100", size="large"))
    with pytest.raises(PermissionDenied, match="cohorts it belongs to"):
        firm_benchmark(world.ent_a, db, world.org_a, Query(region="330200"))
    with pytest.raises(PermissionDenied, match="cohorts it belongs to"):
        firm_benchmark(world.ent_a, db, world.org_a, Query(size="medium"))
    # the page offers the same cohorts
    facts = firm_facts(world.ent_a, db, world.org_a, Query(standard="gbt37393-2019"))
    assert (facts.region_code, facts.size_class) == ("330108", "large")
    assert "330100" in facts.region_chain


# --- break 13 (b): no service lists single peers -------------------------------------------------


def test_no_service_lists_single_peers_results() -> None:
    assert not hasattr(records, "cohort")
    assert not hasattr(records, "CohortRow")


# --- break 13 (c): figures as of a refresh point ---------------------------------------------------


@pytest.fixture
def now_world(db: Database) -> World:
    """A world whose clock is the real time: what it approves happens today."""
    w = build_world(db, FixedClock(datetime.now(UTC)))
    synthetic_cohort(
        db, 30, seed=3, clock=FixedClock(datetime.now(UTC)), standard_id="gbt37393-2019"
    )
    return w


def test_a_newcomer_does_not_move_the_figures_before_the_next_refresh_point(
    now_world: World,
) -> None:
    """The before/after attack: figures read just before and just after one approval."""
    w = now_world
    before = cohort_benchmark(w.admin, w.db, Query(standard="gbt37393-2019")).to_dict()
    w.submission("approved")
    after = cohort_benchmark(w.admin, w.db, Query(standard="gbt37393-2019")).to_dict()
    assert after == before


def test_figures_are_those_of_the_last_refresh_point_and_say_so(world: World) -> None:
    db = world.db
    day = datetime(2026, 3, 1, 9, 0, tzinfo=CHINA)
    synthetic_cohort(db, 30, seed=3, clock=FixedClock(day - timedelta(days=1)),
                     standard_id="gbt37393-2019")  # fmt: skip
    query = Query(standard="gbt37393-2019", year=2026)
    morning = cohort_benchmark(world.admin, db, query, clock=lambda: day)
    assert morning.as_of == datetime(2026, 3, 1, 0, 0, tzinfo=CHINA)
    assert any("2026-03-01 00:00" in n.zh and "2026-03-01 00:00" in n.en for n in morning.notes)
    assert morning.to_dict()["as_of"] == "2026-03-01T00:00:00+08:00"

    world.clock.now = day + timedelta(hours=1)  # a newcomer approved at 10:00 that day
    sid = world.submission("approved")
    evening = cohort_benchmark(world.admin, db, query, clock=lambda: day + timedelta(hours=12))
    assert evening.to_dict() == morning.to_dict()
    firm = firm_benchmark(
        world.ent_a, db, world.org_a, query, clock=lambda: day + timedelta(hours=12)
    )
    assert firm.total.firm is None  # its own result joins at the next refresh point too

    tomorrow = cohort_benchmark(world.admin, db, query, clock=lambda: day + timedelta(days=1))
    assert tomorrow.as_of == datetime(2026, 3, 2, 0, 0, tzinfo=CHINA)
    assert tomorrow.cohort_size == (morning.cohort_size or 0) + 1
    mine = firm_benchmark(
        world.ent_a, db, world.org_a, query, clock=lambda: day + timedelta(days=1)
    )
    assert mine.total.firm is not None
    assert sid in {r["submission_id"] for r in _facts(db)}


def _population(db: Database, at: datetime) -> dict[str, list[Any]]:
    with db.read() as session:
        pop = benchmark_store.read_population(
            session, lattice(), "gbt37393-2019", "2019", 2026, Metric.PERCENT,
            benchmark_store.refresh_point(at),
        )  # fmt: skip

    def plain(values: Any) -> Any:  # NaN (no value) as None, so that equal columns compare equal
        if isinstance(values, list):
            return [plain(v) for v in values]
        return None if isinstance(values, float) and math.isnan(values) else values

    return {k: plain(v.tolist()) for k, v in vars(pop).items() if hasattr(v, "tolist")}


def test_a_self_assessment_decided_after_the_refresh_point_stays_as_it_was(world: World) -> None:
    """With self-assessments, the approval (or rejection) of a self-assessed firm after the
    refresh point neither removes it nor shows its new result until the next refresh point."""
    db = world.db
    day = datetime(2026, 3, 1, 9, 0, tzinfo=CHINA)
    synthetic_cohort(db, 30, seed=3, clock=FixedClock(day - timedelta(days=1)),
                     standard_id="gbt37393-2019")  # fmt: skip
    world.clock.now = day - timedelta(hours=12)  # submitted the evening before
    approved = world.submission("decided")
    rejected = world.submission("decided", org="b")
    morning = _population(db, day)
    firms = dict(zip(morning["firm"], morning["self_assessed"], strict=True))
    assert (firms[world.org_a], firms[world.org_b]) == (True, True)
    query = Query(standard="gbt37393-2019", year=2026, include_self=True)
    shown = cohort_benchmark(world.admin, db, query, clock=lambda: day).to_dict()

    world.clock.now = day + timedelta(hours=1)
    submissions.approve(world.eval_1, db, approved, expected_version=world.version(approved),
                     clock=world.clock)  # fmt: skip
    submissions.reject(world.eval_1, db, rejected, reason="no evidence",
                    expected_version=world.version(rejected), clock=world.clock)  # fmt: skip
    evening = day + timedelta(hours=12)
    assert _population(db, evening) == morning
    assert cohort_benchmark(world.admin, db, query, clock=lambda: evening).to_dict() == shown

    tomorrow = _population(db, day + timedelta(days=1))
    firms = dict(zip(tomorrow["firm"], tomorrow["self_assessed"], strict=True))
    assert firms[world.org_a] is False  # counted with its approved result
    assert world.org_b not in firms  # a rejected self-assessment no longer counts


def _facts(db: Database) -> list[dict[str, Any]]:
    from sqlalchemy import select  # noqa: PLC0415

    from assessment.storage.tables import BenchmarkFact  # noqa: PLC0415

    with db.read() as session:
        return [
            {"submission_id": r.submission_id, "at": r.at}
            for r in session.scalars(select(BenchmarkFact))
        ]


# --- break 14: the open review round stays with the evaluator -----------------------------------

REASON = "MES 仅覆盖一条产线 open-round-reason-7f3a"
GATE_REASON = "采集比例核实为 41% open-round-gate-reason-c9d2"
GATE_VALUE = 41


def _strings(value: Any) -> Iterator[str]:
    """Every string and number inside a nested value, as text."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple | set):
        for v in value:
            yield from _strings(v)
    elif hasattr(value, "__dataclass_fields__"):
        yield from _strings(vars(value))
    elif value is not None:
        yield str(value)


def _workbook_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


def firm_reads(w: World, firm: Principal, sid: int) -> dict[str, str]:
    """Everything every read service a firm may call gives it about one submission, as text."""
    seen: dict[str, Any] = {
        "get_submission": submissions.get_submission(firm, w.db, sid),
        "list_submissions": submissions.list_submissions(firm, w.db),
        "list_decisions": submissions.list_decisions(firm, w.db, sid),
        "list_comments": submissions.list_comments(firm, w.db, sid),
        "audit_trail": audit.audit_trail(firm, w.db, submission_id=sid),
        "submitted_answers": appdata.submitted_answers(firm, w.db, sid),
    }
    for which in ("live", "self", "final", "evaluated"):
        result = appdata.result_for(firm, w.db, sid, which)  # type: ignore[arg-type]
        seen[f"result_for {which}"] = result.to_dict() if result is not None else None
    seen["live_result"] = appdata.live_result(firm, w.db, sid).to_dict()
    seen["review_queue"] = appdata.review_queue(firm, w.db)
    report = certificates.report_pdf(firm, w.db, sid)
    seen["report data"] = report.data
    seen["report texts"] = report.data.texts()
    text = {name: "\n".join(_strings(value)) for name, value in seen.items()}
    text["excel export"] = _workbook_text(export_submission(firm, w.db, sid))
    return text


def _open_round(w: World) -> int:
    sid = w.submission("in_review")
    submissions.decide_item(
        w.eval_1, w.db, sid, key="mes-or-equivalent", decision="adjust", value=False,
        reason=REASON, expected_version=w.version(sid), clock=w.clock,
    )  # fmt: skip
    submissions.decide_item(
        w.eval_1, w.db, sid, key="automatic-data-collection", kind="gate", decision="adjust",
        value=GATE_VALUE, reason=GATE_REASON, expected_version=w.version(sid), clock=w.clock,
    )  # fmt: skip
    return sid


def _leaks(text: dict[str, str]) -> list[str]:
    found = []
    for service, shown in text.items():
        for secret in (REASON, GATE_REASON, "review.adjust", "review.accept"):
            if secret in shown:
                found.append(f"{service}: {secret}")
    return found


def _evaluated_mes(w: World, actor: Principal, sid: int) -> Any:
    result = appdata.result_for(actor, w.db, sid, "evaluated")
    assert result is not None
    return next(i.answer for i in result.items if i.id == "mes-or-equivalent")


def test_nothing_of_an_open_round_reaches_the_firm(world: World) -> None:
    w = world
    sid = _open_round(w)
    assert _leaks(firm_reads(w, w.ent_a, sid)) == []
    assert appdata.result_for(w.ent_a, w.db, sid, "evaluated") is None
    # the evaluator and administrators see their work in progress
    for insider in (w.eval_1, w.admin):
        assert _evaluated_mes(w, insider, sid) is False
        trail = audit.audit_trail(insider, w.db, submission_id=sid)
        assert REASON in [e.after.get("reason") for e in trail if e.action == "review.adjust"]

    # returned: the round is finished, and the firm reads what the evaluator decided
    submissions.return_to_firm(
        w.eval_1, w.db, sid, comment="please correct these", expected_version=w.version(sid),
        clock=w.clock,
    )  # fmt: skip
    shown = firm_reads(w, w.ent_a, sid)
    for service in ("audit_trail", "list_decisions"):
        assert REASON in shown[service], service
        assert GATE_REASON in shown[service], service


def test_an_open_round_stays_hidden_until_approval(world: World) -> None:
    w = world
    sid = _open_round(w)
    submissions.accept_remaining(
        w.eval_1, w.db, sid, expected_version=w.version(sid), clock=w.clock
    )
    assert _leaks(firm_reads(w, w.ent_a, sid)) == []
    submissions.approve(w.eval_1, w.db, sid, expected_version=w.version(sid), clock=w.clock)
    shown = firm_reads(w, w.ent_a, sid)
    for service in ("audit_trail", "list_decisions"):
        assert REASON in shown[service], service
    final = appdata.result_for(w.ent_a, w.db, sid, "final")
    assert final is not None
    assert next(i.answer for i in final.items if i.id == "mes-or-equivalent") is False
    assert "否 no" in shown["report texts"]  # the evaluated answer in the report


def test_a_second_round_hides_only_itself(world: World) -> None:
    """After a return and a new submission, the first round stays visible and the second,
    while open, does not."""
    w = world
    sid = _open_round(w)
    submissions.return_to_firm(
        w.eval_1, w.db, sid, comment="please correct", expected_version=w.version(sid),
        clock=w.clock,
    )  # fmt: skip
    submissions.submit(w.ent_a, w.db, sid, expected_version=w.version(sid), clock=w.clock)
    submissions.start_review(w.eval_1, w.db, sid, expected_version=w.version(sid), clock=w.clock)
    second = "第二轮 second-round-reason-51be"
    submissions.decide_item(
        w.eval_1, w.db, sid, key="production-safety", decision="adjust", value=False,
        reason=second, expected_version=w.version(sid), clock=w.clock,
    )  # fmt: skip
    shown = firm_reads(w, w.ent_a, sid)
    assert REASON in shown["audit_trail"]
    assert all(second not in text for text in shown.values())
    assert appdata.result_for(w.ent_a, w.db, sid, "evaluated") is None


def test_the_system_operator_is_not_a_firm(db: Database) -> None:
    """The local operator reads everything, open rounds included (it is an administrator)."""
    w = build_world(db, FixedClock())
    sid = _open_round(w)
    assert _evaluated_mes(w, OPERATOR, sid) is False


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "甲\x00公司"}, "name: contains the control character U+0000"),
        ({"name": "甲公司\u202e"}, "name: contains the control character U+202E"),
        ({"revenue_wan": float("nan")}, "revenue"),
        ({"revenue_wan": float("inf")}, "revenue"),
        ({"employees": True}, "employees"),
    ],
)
def test_organisation_fields_refuse_control_characters_and_non_numbers(
    world: World, fields: dict[str, object], message: str
) -> None:
    """NUL crashed PostgreSQL writes; NaN and infinities are no revenue (both backends)."""
    before = snapshot(world.db)
    with pytest.raises(InvalidInput, match=re.escape(message)):
        organisations.update_organisation(world.admin, world.db, world.org_a, **fields)
    assert snapshot(world.db) == before
