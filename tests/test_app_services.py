"""The services added for the app, tested without Streamlit: carbon activity stored with a
submission, the uploaded-YAML check, public verification by number, and the app's read models."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from app_support import *  # noqa: F403 - the fixtures
from app_support import ROOT, World, issue_certificate

from assessment import submissions
from assessment.accounts.principal import Principal, Role
from assessment.certificates import records
from assessment.certificates.lookup import (
    certificate_status,
    check_certificate,
    looks_like_number,
    normalise_number,
)
from assessment.errors import InvalidInput, InvalidTransition, PermissionDenied
from assessment.library.check import check_upload
from assessment.submissions import activity, appdata
from standards import bundled_library

EXAMPLE = yaml.safe_load(
    (ROOT / "examples" / "activity-discrete-2025.yaml").read_text(encoding="utf-8")
)


def test_activity_is_checked_whole_and_stored_per_year(app_world: World) -> None:
    firm = app_world.user("firm")
    draft = app_world.submission("firm", "draft")
    with pytest.raises(InvalidInput) as caught:
        activity.save_activity(firm, app_world.db, draft.id, {**EXAMPLE, "value_added_10k_yuan": 0})
    assert [p.text() for p in caught.value.problems] == [
        "value_added_10k_yuan: must be greater than 0 (got 0); L and the intensities divide by value added"
    ]
    assert activity.list_activity(firm, app_world.db, draft.id) == []
    activity.save_activity(firm, app_world.db, draft.id, EXAMPLE)
    activity.save_activity(
        firm, app_world.db, draft.id, {**EXAMPLE, "output_value_10k_yuan": 60000}
    )
    [stored] = activity.list_activity(firm, app_world.db, draft.id)
    assert (stored.year, stored.data["output_value_10k_yuan"]) == (2025, 60000)
    result, problems = activity.carbon_for(firm, app_world.db, draft.id)
    assert problems == []
    assert result is not None
    assert result.carbon_efficiency.L > 0


def test_activity_belongs_to_the_firm_and_to_editable_states(app_world: World) -> None:
    other = app_world.user("firm2")
    draft = app_world.submission("firm", "draft")
    with pytest.raises(Exception, match="not found"):
        activity.save_activity(other, app_world.db, draft.id, EXAMPLE)
    evaluator = app_world.user("evaluator")
    in_review = app_world.submission("evaluator", "in_review")
    with pytest.raises(PermissionDenied):
        activity.save_activity(evaluator, app_world.db, in_review.id, EXAMPLE)
    approved = app_world.submission("firm", "approved")
    with pytest.raises(InvalidTransition):
        activity.save_activity(app_world.user("firm"), app_world.db, approved.id, EXAMPLE)


def test_green_answers_keep_the_firms_sector_values() -> None:
    green = bundled_library().standard("gbt36132-2025")
    result, problems = activity.account_data(EXAMPLE)
    assert problems == []
    assert result is not None
    answers = activity.green_answers(
        green, result, {"carbon-intensity": {"value": 1.0, "baseline": 300, "leading": 100}}
    )
    assert set(answers) == {"energy-intensity", "carbon-intensity", "renewable-share"}
    assert answers["carbon-intensity"]["baseline"] == 300
    assert answers["carbon-intensity"]["leading"] == 100
    assert answers["carbon-intensity"]["value"] != 1.0


def test_an_uploaded_standard_is_checked_with_lines() -> None:
    admin = Principal.system("test")
    raw = (ROOT / "standards" / "library" / "gbt37393-2019.yaml").read_bytes()
    assert check_upload(admin, "gbt37393-2019.yaml", raw).ok
    broken = check_upload(
        admin,
        "../../etc/x.yaml",
        raw.replace(b"kind: choice", b"kind: choise", 1) + b"\nextra: 1\n",
    )
    assert broken.filename == "x.yaml"
    assert not broken.ok
    assert all(issue.file == "x.yaml" and issue.line > 1 for issue in broken.issues)
    assert any("extra" in issue.text() for issue in broken.issues)
    with pytest.raises(PermissionDenied):
        check_upload(Principal(1, Role.ENTERPRISE, 1, "x"), "a.yaml", raw)


def test_certificate_numbers_are_normalised_and_checked(app_world: World, tmp_path: Path) -> None:
    assert normalise_number(" zz-7k3x-1b2c-4d5e ") == "ZZ-7K3X-1B2C-4D5E"
    assert normalise_number("ZZ-OOOO-IIII-LLLL") == "ZZ-0000-1111-1111"
    assert looks_like_number("zz-0000-0000-0001")
    assert not looks_like_number("ZZ-0000-0000")
    today = dt.date(2027, 1, 15)
    unknown = check_certificate(app_world.db, "ZZ-0000-0000-0009", on=today, trusted_keys=[])
    assert (unknown.status, unknown.record) == ("unknown", None)
    approved = app_world.submission("admin", "approved", "zj-future-factory")
    fingerprint = issue_certificate(
        app_world,
        approved.id,
        tmp_path / "keys",
        number="ZZ-0000-0000-0001",
        issued_on=dt.date(2026, 1, 1),
        expires_on=dt.date(2027, 12, 31),
    )
    from assessment.certificates.keys import load_public_key  # noqa: PLC0415

    key = load_public_key(tmp_path / "keys")
    good = check_certificate(app_world.db, "ZZ-0000-0000-0001", on=today, trusted_keys=[key])
    assert (good.status, good.signature, good.key_fingerprint) == ("valid", "valid", fingerprint)
    assert (
        check_certificate(app_world.db, "ZZ-0000-0000-0001", on=today, trusted_keys=[]).signature
        == "no_key"
    )
    assert (
        check_certificate(
            app_world.db, "ZZ-0000-0000-0001", on=dt.date(2028, 1, 1), trusted_keys=[key]
        ).status
        == "expired"
    )
    # the same rule for a list already read (the app's certificate lists): the date in China
    [view] = records.list_certificates(app_world.user("admin"), app_world.db)
    last_minute = dt.datetime(2027, 12, 31, 15, 59, tzinfo=dt.UTC)  # 23:59 on 31 Dec in China
    args = (view.status, view.expires_at, view.record)
    assert certificate_status(*args, last_minute) == "valid"
    assert certificate_status(*args, last_minute + dt.timedelta(minutes=1)) == "expired"
    assert certificate_status("revoked", view.expires_at, view.record, last_minute) == "revoked"


def test_questionnaire_groups_and_progress_follow_profile_and_industry(app_world: World) -> None:
    ff = bundled_library().standard("zj-future-factory")
    groups = appdata.question_groups(ff, "ff", "discrete")
    assert len(groups) == 14
    items = [i for g in groups for i in g.items]
    assert len(items) == 100
    assert all(i.industry is None or i.industry.value == "discrete" for i in items)
    draft = app_world.submission("firm", "draft")
    result = appdata.live_result(app_world.user("firm"), app_world.db, draft.id)
    done = appdata.progress(result, [i.id for i in items])
    assert done.items == 100 - sum(
        1 for t in result.items if t.status == "not_applicable" and t.id in {i.id for i in items}
    )
    assert 0 < done.answered < done.items
    assert done.mandatory_remaining > 0
    below = appdata.below_target(ff, result)
    assert below
    assert below <= {t.id for t in result.items if t.applicability == "mandatory"}


def test_the_review_queue_filters_and_respects_assignment(app_world: World) -> None:
    evaluator = app_world.user("evaluator")
    mine = appdata.review_queue(evaluator, app_world.db)
    assert {r.status for r in mine} >= {"submitted", "in_review"}
    assert appdata.review_queue(app_world.user("evaluator2"), app_world.db) == []
    only = appdata.review_queue(
        evaluator, app_world.db, statuses=["in_review"], standard_id="zj-future-factory"
    )
    assert [r.status for r in only] == ["in_review"]
    assert appdata.review_queue(evaluator, app_world.db, region_prefix="3301") == [
        r for r in mine if r.region_code.startswith("3301")
    ]
    assert appdata.review_queue(evaluator, app_world.db, industry_code="17") == [
        r for r in mine if r.industry_code == "17"
    ]


def test_self_and_evaluated_results_and_their_domain_difference(app_world: World) -> None:
    firm = app_world.user("firm")
    approved = app_world.submission("firm", "approved", "zj-future-factory")
    own = appdata.result_for(firm, app_world.db, approved.id, "self")
    final = appdata.result_for(firm, app_world.db, approved.id, "final")
    assert own is not None
    assert final is not None
    view = submissions.get_submission(firm, app_world.db, approved.id)
    assert final.total == pytest.approx(view.final_result["total"] if view.final_result else 0)
    assert {d.standard for d in final.derived} == {"gbt39116-2020", "gbt36132-2025"}
    rows = appdata.domain_comparison(bundled_library().standard("zj-future-factory"), own, final)
    assert len(rows) == 14
    assert sum(r.difference for r in rows) == pytest.approx(final.total - own.total, abs=1e-3)
