"""Enterprise: start an assessment — standard and edition, target tier (profile), industry type."""

from __future__ import annotations

import streamlit as st

from assessment import submissions
from assessment.accounts import organisations
from assessment.accounts.principal import Role
from assessment.errors import LifecycleError
from standards import bundled_library
from ui.parts import auth
from ui.parts.common import db, flash, labeller, lang, md, show_error, t, tr
from ui.parts.widgets import open_submission


def render() -> None:
    actor = auth.require_role(Role.ENTERPRISE)
    st.title(t("new.title"))
    st.caption(t("new.intro"))
    org = organisations.get_organisation(actor, db(), actor.org_id or 0)
    st.markdown(f"**{t('new.organisation')}:** {md(org.name)}")
    library = bundled_library()
    standards = sorted(
        library.standards.values(), key=lambda s: (s.id != "zj-future-factory", s.id)
    )
    by_id = {s.id: s for s in standards}
    current = lang()
    chosen = st.selectbox(
        t("new.standard"),
        list(by_id),
        format_func=labeller(by_id, lambda k: f"{tr(by_id[k].title)} · {by_id[k].edition}"),
        key=f"new_standard-{current}",
    )
    std = by_id[chosen]
    if std.summary:
        st.caption(tr(std.summary))
    profiles = {p.id: p for p in std.profiles}
    profile = st.radio(
        t("new.profile"),
        list(profiles),
        format_func=labeller(profiles, lambda k: tr(profiles[k].name)),
        horizontal=True,
        key=f"new_profile-{chosen}-{current}",
    )
    industry = None
    if std.industry_types:
        kinds = [k.value for k in std.industry_types]
        default = kinds.index(org.industry_type) if org.industry_type in kinds else 0
        industry = st.radio(
            t("new.industry_type"),
            kinds,
            index=default,
            format_func=labeller(kinds, lambda k: t(f"industry.{k}")),
            horizontal=True,
            key=f"new_industry-{chosen}-{current}",
        )
        st.caption(t("new.industry_hint"))
    items = len([i for i in std.items if i.industry is None or i.industry.value == industry])
    st.caption(t("new.counts", items=items, gates=len(std.gates)))
    if st.button(t("new.create"), type="primary", key="new_create"):
        try:
            sub = submissions.create_submission(
                actor,
                db(),
                org_id=org.id,
                standard_id=std.id,
                profile=profile,
                industry_type=industry,
                library=library,
            )
        except LifecycleError as exc:
            show_error(exc)
        else:
            flash(t("new.created", id=sub.id))
            open_submission(sub.id, "ui/pages/questionnaire.py")


if __name__ == "__main__":
    render()
