"""Demo data: a few fictitious firms with submissions in every state, one account per role, and a
synthetic peer cohort. Everything is scored by the real engine from plausible answers.

Nothing here is a real firm: demo firms carry "(示例)" in their names; cohort firms are marked
`synthetic = true` and named "合成企业 …".
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from assessment import submissions
from assessment.accounts import audit, organisations
from assessment.accounts.classifications import (
    CREDIT_CODE_CHARSET,
    credit_code_check_char,
    divisions,
    regions,
    size_class,
)
from assessment.accounts.identity import generate_password
from assessment.accounts.principal import Clock, Principal, Role
from assessment.benchmark.store import decision_year
from assessment.certificates import issue as certificates
from assessment.demo.cohort import Generator, decision_times, insert_firms
from assessment.storage.db import Database, utcnow
from assessment.storage.tables import Organisation
from assessment.submissions import activity, evidence
from scoring.applicability import applicable_gates, applicable_items
from standards import Library, Standard, bundled_library
from standards.models import (
    Applicability,
    ChoiceRule,
    GateKind,
    MultiRule,
    QuantityRule,
    SatisfactionRule,
    Scale,
    YesNoRule,
)

DEMO_SEED = 20251127
COHORT_SEED = 4754
COHORT_SIZE = 2000
COHORT_YEARS = 3
COHORT_STANDARD = "zj-future-factory"
SYNTHETIC_PREFIX = "合成企业"
DEMO_DOMAIN = "demo.zhizao.invalid"


# --- plausible answers -----------------------------------------------------------------------------


def _threshold(gate: Any, profile: str) -> float | None:
    per_profile = gate.thresholds.get(profile) or {}
    default = per_profile.get("default")
    value = default.effective if default is not None else None
    return float(value) if isinstance(value, int | float) else None


def plausible_answers(
    standard: Standard,
    scales: dict[str, Scale],
    profile: str,
    industry_type: str | None,
    rng: random.Random,
    maturity: float,
) -> dict[str, Any]:
    """An answers document a firm of this maturity (0–1) might plausibly give: every mandatory
    item answered, optional items mostly, gates mostly affirmed."""
    answers: dict[str, Any] = {}
    for item, applicability in applicable_items(standard, profile, industry_type):
        if applicability is Applicability.OPTIONAL and rng.random() < 0.3:
            continue
        spot = min(1.0, max(0.0, maturity + rng.gauss(0.0, 0.18)))
        rule = item.rule
        if isinstance(rule, ChoiceRule):
            keys = [o.key for o in rule.options]
            answers[item.id] = keys[round(spot * (len(keys) - 1))]
        elif isinstance(rule, MultiRule):
            plain = [o.key for o in rule.options if o.key not in rule.exclusive]
            ticked = [k for k in plain if rng.random() < spot]
            if not ticked:
                ticked = [rule.exclusive[0]] if rule.exclusive else [plain[0]]
            answers[item.id] = ticked
        elif isinstance(rule, YesNoRule):
            answers[item.id] = rng.random() < 0.25 + 0.7 * spot
        elif isinstance(rule, SatisfactionRule):
            scale = scales.get(rule.scale)
            if scale is None:
                continue
            grades = [g.key for g in sorted(scale.grades, key=lambda g: g.value)]
            answers[item.id] = grades[round(spot * (len(grades) - 1))]
        elif isinstance(rule, QuantityRule):
            answers[item.id] = _measure(rule, spot)
    gates: dict[str, Any] = {}
    for gate in applicable_gates(standard, profile):
        if gate.kind is GateKind.DECLARATION:
            gates[gate.id] = rng.random() < 0.97
        elif gate.kind is GateKind.MIN_VALUE:
            floor = _threshold(gate, profile)
            base = floor if floor is not None else 1.0
            gates[gate.id] = round(base * rng.uniform(0.9, 2.0) + 0.5 * maturity, 2)
    doc: dict[str, Any] = {
        "standard": standard.id,
        "edition": standard.edition,
        "profile": profile,
        "answers": answers,
        "gates": gates,
    }
    if industry_type is not None and standard.industry_types:
        doc["industry_type"] = industry_type
    return doc


def _measure(rule: QuantityRule, spot: float) -> dict[str, float]:
    base = rule.baseline.effective if rule.baseline else None
    lead = rule.leading.effective if rule.leading else None
    measure: dict[str, float] = {}
    if not isinstance(base, int | float) or not isinstance(lead, int | float):
        # No published sector values (NOT FOUND in the standard): illustrative ones, as a firm
        # would copy them from its sector's notice.
        base, lead = (100.0, 60.0) if rule.direction.value == "negative" else (20.0, 80.0)
        measure = {"baseline": base, "leading": lead}
    value = base + (spot * 1.2 - 0.1) * (lead - base)
    if rule.minimum is not None:
        value = max(rule.minimum, value)
    if rule.maximum is not None:
        value = min(rule.maximum, value)
    return {"value": round(float(value), 2), **measure}


def _scales(library: Library) -> dict[str, Scale]:
    return {s.id: s for s in library.scales.scales} if library.scales else {}


# --- credit codes -----------------------------------------------------------------------------------


def make_credit_code(rng: random.Random, region_code: str) -> str:
    """A well-formed 统一社会信用代码 (企业 91…) with a correct GB 32100 check character."""
    body = "91" + region_code + "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(9))
    return body + credit_code_check_char(body)


# --- the synthetic cohort ---------------------------------------------------------------------------


def synthetic_cohort(
    db: Database,
    count: int = COHORT_SIZE,
    *,
    seed: int = COHORT_SEED,
    standard_id: str = COHORT_STANDARD,
    library: Library | None = None,
    clock: Clock = utcnow,
    years: int = 1,
    batch: int = 250,
) -> int:
    """Add `count` synthetic firms with approved results (same count and seed → same firms).

    Rows are marked `synthetic = true`; firms are named "合成企业 NNNNNN (synthetic)". Each firm has
    results in up to `years` years ending with the current one (most in every year), each with a
    year of energy data and its benchmark row (assessment/demo_cohort.py draws them). A result
    keeps the engine's totals, tier and element/domain scores; the full result can be recomputed
    from `final_answers`. Inserted in bulk. Returns the number of firms added.
    """
    library = library or bundled_library()
    standard = library.standard(standard_id)
    if library.factors is None or library.classifications is None:
        raise RuntimeError("the library needs its factors and classifications documents")
    now = clock()
    this_year = decision_year(now)
    shown_years = list(range(this_year - max(1, years) + 1, this_year + 1))
    counties: dict[str, list[str]] = {}
    for code, region in sorted(regions().items()):
        if region.level == "county" and region.parent is not None:
            counties.setdefault(region.parent, []).append(code)
    generator = Generator(
        standard, _scales(library), library.factors,
        library.classifications.size_rule("industry"), counties,
        {code: d.default_type for code, d in divisions().items()},
        plausible_answers, make_credit_code,
    )  # fmt: skip
    spans = decision_times(shown_years, now)
    actor = Principal.system("demo cohort")
    inserted = 0
    with db.write() as session:
        digest = submissions.ensure_snapshot(session, standard, library, now)
        taken = set(session.scalars(select(Organisation.credit_code)))
        start = (
            session.scalar(
                select(func.count()).select_from(Organisation).where(Organisation.synthetic)
            )
            or 0
        ) + 1
        for first in range(start, start + count, batch):
            firms = [
                generator.firm(seed, number, shown_years, spans, taken)
                for number in range(first, min(first + batch, start + count))
            ]
            inserted += insert_firms(session, firms, standard=standard, digest=digest, now=now)
        audit.record(
            session, actor, "demo.cohort", "organisation", None, at=now,
            after={"count": count, "seed": seed, "standard": standard.id, "first": start,
                   "years": shown_years, "submissions": inserted},
        )  # fmt: skip
    return count


# --- the demo firms -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    organisation: str | None


@dataclass(frozen=True)
class DemoReport:
    accounts: list[DemoAccount]
    organisations: int
    submissions: dict[str, int]
    cohort: int


_FIRMS = (
    # name, industry, county, employees, revenue (万元), industry type
    ("宁波示例汽车零部件有限公司 (示例)", "36", "330206", 1450, 52000.0, "discrete"),
    ("绍兴示例印染有限公司 (示例)", "17", "330603", 620, 18500.0, "process"),
    ("杭州示例电子科技有限公司 (示例)", "39", "330108", 380, 9600.0, "discrete"),
    ("温州示例电气有限公司 (示例)", "38", "330382", 160, 1500.0, "discrete"),
    ("衢州示例化工有限公司 (示例)", "26", "330803", 1100, 61000.0, "process"),
    ("湖州示例家具有限公司 (示例)", "21", "330523", 240, 1200.0, "discrete"),
)
# A legal pilot-area code that fails the GB 32100 check, accepted by an administrator.
_OVERRIDE_REASON = "早期试点地区赋码，校验位不符但经登记机关确认有效 (demo)"


def seed_demo(
    db: Database,
    *,
    library: Library | None = None,
    cohort_size: int = COHORT_SIZE,
    seed: int = DEMO_SEED,
    clock: Clock = utcnow,
    passwords: dict[str, str] | None = None,
) -> DemoReport:
    """Fill an empty database with demo data; returns the accounts (with their passwords)."""
    library = library or bundled_library()
    scales = _scales(library)
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    start = clock()
    tick = [0]

    def at() -> datetime:  # a plausible timeline: each action a little later than the last
        tick[0] += 1
        return start - timedelta(days=30) + timedelta(hours=5 * tick[0])

    system = Principal.system("demo seed")
    orgs = []
    for index, (name, division, county, staff, revenue, kind) in enumerate(_FIRMS):
        code = make_credit_code(rng, county)
        reason = None
        if index == len(_FIRMS) - 1:
            wrong = CREDIT_CODE_CHARSET[(CREDIT_CODE_CHARSET.index(code[17]) + 1) % 31]
            code, reason = code[:17] + wrong, _OVERRIDE_REASON
        orgs.append(
            organisations.create_organisation(
                system, db, name=name, credit_code=code, industry_code=division,
                region_code=county, size_class=size_class(staff, revenue).value,
                industry_type=kind, employees=staff, revenue_wan=revenue,
                accept_invalid_code_reason=reason, demo=True, clock=at,
            )
        )  # fmt: skip

    wanted = passwords or {}
    specs = (
        ("administrator", f"admin@{DEMO_DOMAIN}", None),
        ("evaluator", f"evaluator@{DEMO_DOMAIN}", None),
        ("evaluator", f"evaluator2@{DEMO_DOMAIN}", None),
        ("enterprise", f"firm@{DEMO_DOMAIN}", orgs[0]),
        ("enterprise", f"firm2@{DEMO_DOMAIN}", orgs[1]),
    )
    accounts: list[DemoAccount] = []
    users: dict[str, Principal] = {}
    for role, email, org in specs:
        password = wanted.get(email) or generate_password()
        user = organisations.create_user(
            system, db, email=email, role=role, password=password,
            org_id=org.id if org else None, clock=at,
        )  # fmt: skip
        accounts.append(DemoAccount(role, email, password, org.name if org else None))
        users[email] = Principal(user.id, Role(role), user.organisation_id, email)
    admin = users[f"admin@{DEMO_DOMAIN}"]
    evaluator = users[f"evaluator@{DEMO_DOMAIN}"]

    def start_answered(org_index: int, standard_id: str, profile: str, maturity: float) -> int:
        org = orgs[org_index]
        firm = _as_member(org.id, users)
        standard = library.standard(standard_id)
        sub = submissions.create_submission(
            firm, db, org_id=org.id, standard_id=standard_id, profile=profile, library=library,
            clock=at,
        )  # fmt: skip
        doc = plausible_answers(standard, scales, profile, org.industry_type, rng, maturity)
        # Demo firms affirm their declarations, so that an approved demo result is certifiable.
        gates = {k: True if isinstance(v, bool) else v for k, v in doc["gates"].items()}
        submissions.save_answers(
            firm, db, sub.id, expected_version=sub.version, answers=doc["answers"],
            gates=gates, clock=at,
        )  # fmt: skip
        evidence.add_evidence(
            firm, db, sub.id, filename="质量管理体系认证证书.pdf", data=_demo_pdf(),
            note="demo evidence", clock=at,
        )  # fmt: skip
        return sub.id

    def version(sub_id: int) -> int:
        return submissions.get_submission(admin, db, sub_id).version

    def submit(org_index: int, sub_id: int) -> None:
        actor = _as_member(orgs[org_index].id, users)
        submissions.submit(actor, db, sub_id, expected_version=version(sub_id), clock=at)
        submissions.assign_evaluator(
            admin, db, sub_id, evaluator.user_id or 0, expected_version=version(sub_id), clock=at
        )

    def review(sub_id: int, adjust: bool = True) -> None:
        submissions.start_review(evaluator, db, sub_id, expected_version=version(sub_id), clock=at)
        if adjust:
            current = submissions.get_submission(evaluator, db, sub_id)
            key, value = _a_lower_answer(library.standard(current.standard_id), current.answers)
            if key is not None:
                submissions.decide_item(
                    evaluator, db, sub_id, key=key, decision="adjust", value=value,
                    reason="现场核查：证据仅覆盖部分产线 (demo)",
                    expected_version=version(sub_id), clock=at,
                )  # fmt: skip
        submissions.accept_remaining(
            evaluator, db, sub_id, expected_version=version(sub_id), clock=at
        )

    # draft: the firm is still answering (half the items)
    draft = submissions.create_submission(
        users[f"firm@{DEMO_DOMAIN}"], db, org_id=orgs[0].id, standard_id="zj-future-factory",
        profile="ff", library=library, clock=at,
    )  # fmt: skip
    ff = library.standard("zj-future-factory")
    half = plausible_answers(ff, scales, "ff", "discrete", rng, 0.75)
    some = dict(list(half["answers"].items())[: len(half["answers"]) // 2])
    submissions.save_answers(
        users[f"firm@{DEMO_DOMAIN}"], db, draft.id, expected_version=draft.version,
        answers=some, clock=at,
    )  # fmt: skip

    # submitted, waiting for an evaluator
    submitted = start_answered(1, "gbt36132-2025", "self-evaluation", 0.6)
    submit(1, submitted)
    # in review
    in_review = start_answered(2, "zj-future-factory", "sf", 0.55)
    submit(2, in_review)
    submissions.start_review(
        evaluator, db, in_review, expected_version=version(in_review), clock=at
    )
    # returned to the firm with a public comment
    returned = start_answered(0, "gbt37393-2019", "digital-workshop", 0.7)
    submit(0, returned)
    submissions.start_review(evaluator, db, returned, expected_version=version(returned), clock=at)
    submissions.add_comment(
        evaluator, db, returned, body="内部备注：建议现场复核数据采集率 (demo)",
        visibility="internal", clock=at,
    )  # fmt: skip
    submissions.return_to_firm(
        evaluator, db, returned, expected_version=version(returned), clock=at,
        comment="请补充设备联网率的统计口径说明与证明材料 (demo)",
    )  # fmt: skip
    # approved, with one adjusted item
    approved = start_answered(0, "zj-future-factory", "sf", 0.65)
    activity.save_activity(
        _as_member(orgs[0].id, users), db, approved,
        _demo_activity(decision_year(start) - 1, orgs[0].name), clock=at,
    )  # fmt: skip
    submit(0, approved)
    review(approved)
    certificates.approve(evaluator, db, approved, expected_version=version(approved), clock=at)
    # rejected
    rejected = start_answered(3, "gbt36132-2018", "evaluation", 0.35)
    submit(3, rejected)
    review(rejected, adjust=False)
    submissions.reject(
        evaluator, db, rejected, expected_version=version(rejected), clock=at,
        reason="基本要求（排放许可）证明材料与申报不符 (demo)",
    )  # fmt: skip
    # approved, then revoked by an administrator
    revoked = start_answered(5, "zj-future-factory", "dws", 0.5)
    submit(5, revoked)
    review(revoked)
    certificates.approve(evaluator, db, revoked, expected_version=version(revoked), clock=at)
    submissions.revoke(
        admin, db, revoked, expected_version=version(revoked), clock=at,
        reason="抽查发现申报数据失实 (demo)",
    )  # fmt: skip

    cohort = (
        synthetic_cohort(db, cohort_size, library=library, clock=clock, years=COHORT_YEARS)
        if cohort_size
        else 0
    )
    states: dict[str, int] = {}
    for summary in submissions.list_submissions(admin, db):
        states[summary.status] = states.get(summary.status, 0) + 1
    return DemoReport(accounts, len(orgs), states, cohort)


def _demo_activity(year: int, name: str) -> dict[str, Any]:
    """A year of energy data for the demo firm's approved result (illustrative figures)."""
    return {
        "year": year,
        "name": name,
        "region": "330206",
        "output_value_10k_yuan": 52000,
        "value_added_10k_yuan": 11800,
        "energy": {
            "electricity_kwh": 6200000,
            "green_electricity_kwh": 1000000,
            "self_generated_renewable_kwh": 600000,
            "natural_gas_m3": 150000,
            "diesel_t": 20,
        },
    }


def _as_member(org_id: int, users: dict[str, Principal] | None = None) -> Principal:
    """A member of a demo firm without an account (actions are audited under this name)."""
    for principal in (users or {}).values():
        if principal.org_id == org_id:
            return principal
    return Principal(None, Role.ENTERPRISE, org_id, f"system:demo member of organisation {org_id}")


def _a_lower_answer(standard: Standard, answers: dict[str, Any]) -> tuple[str | None, Any]:
    """An answered choice or yes/no item and a lower answer for it (an evaluator's adjustment)."""
    for item in standard.items:
        given = answers.get(item.id)
        rule = item.rule
        if isinstance(rule, ChoiceRule) and isinstance(given, str):
            keys = [o.key for o in rule.options]
            if keys.index(given) > 0:
                return item.id, keys[keys.index(given) - 1]
        if isinstance(rule, YesNoRule) and given is True:
            return item.id, False
    return None, None


def _demo_pdf() -> bytes:
    """A tiny, valid one-page PDF standing in for a scanned certificate."""
    text = "zhizao demo evidence"
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
