"""Enterprise home: my assessments with status, score, tier, certificate and what to do next."""

from __future__ import annotations

import streamlit as st

from assessment import submissions
from assessment.accounts.principal import Role
from assessment.submissions import appdata, assignment, progress
from assessment.submissions.states import Status
from scoring import Result
from ui.parts import auth
from ui.parts.common import (
    count,
    db,
    md,
    profile_name,
    score_of,
    show_flashes,
    standard_title,
    status_label,
    t,
    when,
)
from ui.parts.downloads import current_certificates, status_of
from ui.parts.widgets import level_badge, open_submission, target_tier, tier_badge


def render() -> None:
    actor = auth.require_role(Role.ENTERPRISE)
    show_flashes()
    st.title(t("home.title"))
    subs = submissions.list_submissions(actor, db())
    if not subs:
        st.info(t("home.empty"))
        st.page_link("ui/pages/new_assessment.py", label=t("nav.new"), icon=":material/add_circle:")
        return
    st.caption(t("home.intro", n=len(subs)))
    certs = current_certificates(actor)
    for summary in reversed(subs):
        sub = submissions.get_submission(actor, db(), summary.id)
        std = appdata.submission_standard(actor, db(), sub.id)
        with st.container(border=True, key=f"card-{sub.id}"):
            head, status = st.columns([4, 1])
            head.markdown(
                f"**#{sub.id} · {standard_title(std)}** · {std.edition} · "
                f"{t('home.target')}: {profile_name(std, sub.profile)}"
            )
            status.markdown(f":{_colour(sub.status)}-badge[{status_label(sub.status)}]")
            result = sub.final_result or sub.self_result
            st.caption(f"{t('home.updated')}: {when(sub.updated_at)}")
            cols = st.columns(3)
            # Every score against the profile's full maximum, as the questionnaire shows it.
            if result is None:
                live = appdata.live_result(actor, db(), sub.id)
                done = progress.domain_state(live, [i.id for i in live.items])
                cols[0].metric(
                    t("home.live_score"), score_of(live.total, progress.maximum(live).full)
                )
                cols[1].metric(t("home.answered"), f"{count(done.answered)} / {count(done.items)}")
                cols[2].metric(t("home.mandatory_left"), count(done.mandatory_open))
                tier, level = live.tier, live.level
            else:
                stored = Result.from_dict(result)
                which = "home.final_score" if sub.final_result else "home.self_score"
                cols[0].metric(t(which), score_of(stored.total, progress.maximum(stored).full))
                tier, level = stored.tier, stored.level
            reached = ""
            if std.tiers:
                reached = (
                    f"{t('home.tier')}: {tier_badge(std, tier, target_tier(std, sub.profile))}"
                )
            elif level is not None:
                reached = f"{t('home.level')}: {level_badge(level, None)}"
            cert = certs.get(sub.id)
            if cert is not None:
                state = status_of(cert)
                colour = "green" if state == "valid" else "orange"
                badge = t(
                    "home.certificate", number=cert.number, status=t(f"verify.status.{state}")
                )
                reached += f"{' · ' if reached else ''}:{colour}-badge[:material/workspace_premium: {badge}]"
            if reached:
                st.markdown(reached)
            step = assignment.waiting_on(actor, db(), sub.id)
            st.markdown(
                f"**{t('home.next')}** {t(f'home.todo.{step.value}', **{k: md(v) for k, v in step.params.items()})}"
            )
            b1, b2, b3, _ = st.columns([1, 1, 1, 3])
            if b1.button(
                t("home.open_questionnaire"),
                key=f"q-{sub.id}",
                type="primary" if sub.status in submissions.EDITABLE_STATES else "secondary",
            ):
                open_submission(sub.id, "ui/pages/questionnaire.py")
            if b2.button(t("home.open_results"), key=f"r-{sub.id}"):
                open_submission(sub.id, "ui/pages/results.py")
            if b3.button(t("home.open_carbon"), key=f"c-{sub.id}"):
                open_submission(sub.id, "ui/pages/carbon.py")


STATUS_COLOUR = {
    Status.DRAFT: "gray",
    Status.RETURNED: "orange",
    Status.SUBMITTED: "blue",
    Status.IN_REVIEW: "blue",
    Status.APPROVED: "green",
    Status.REJECTED: "red",
    Status.REVOKED: "red",
}


def _colour(status: str) -> str:
    return STATUS_COLOUR[Status(status)]


if __name__ == "__main__":
    render()
