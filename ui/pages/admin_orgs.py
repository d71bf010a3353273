"""Administrator's first page: the submissions waiting for an evaluator, organisations
(统一社会信用代码 checked by the service) and accounts."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from assessment.accounts import organisations
from assessment.accounts.classifications import SizeClass, divisions, regions
from assessment.accounts.identity import generate_password
from assessment.accounts.principal import Role
from assessment.errors import LifecycleError
from assessment.storage.db import utcnow
from assessment.submissions import assignment
from ui.parts import auth
from ui.parts.common import db, labeller, lang, md, show_error, show_flashes, t, when


def org_section(actor: auth.Principal) -> None:
    orgs = organisations.list_organisations(actor, db())
    st.subheader(t("orgs.organisations"))
    known, names = regions(), divisions()
    st.dataframe(
        [
            {
                "#": o.id,
                t("orgs.name"): o.name,
                t("orgs.credit_code"): o.credit_code + ("" if o.credit_code_valid else " ⚠"),
                t("orgs.industry"): f"{o.industry_code} {names[o.industry_code].name}"
                if o.industry_code in names
                else o.industry_code,
                t("orgs.region"): known[o.region_code].name
                if o.region_code in known
                else o.region_code,
                t("orgs.size"): t(f"size.{o.size_class}") if o.size_class else "—",
            }
            for o in orgs
        ],
        hide_index=True,
        width="stretch",
        key="orgs_table",
    )
    with (
        st.expander(t("orgs.create"), icon=":material/add_business:"),
        st.form("org_form", clear_on_submit=False),
    ):
        c1, c2 = st.columns(2)
        name = c1.text_input(t("orgs.name"), key="org_name")
        code = c2.text_input(
            t("orgs.credit_code"), key="org_code", max_chars=18, help=t("orgs.credit_code_help")
        )
        c3, c4 = st.columns(2)
        divs = sorted(names)
        industry = c3.selectbox(
            t("orgs.industry"),
            divs,
            format_func=lambda c: f"{c} {names[c].name}",
            key=f"org_industry-{lang()}",
        )
        places = sorted(c for c, r in known.items() if r.level in ("city", "county"))
        region = c4.selectbox(
            t("orgs.region"),
            places,
            format_func=lambda c: f"{c} {known[c].name}",
            key=f"org_region-{lang()}",
        )
        c5, c6, c7 = st.columns(3)
        size = c5.selectbox(
            t("orgs.size"),
            [s.value for s in SizeClass],
            format_func=labeller([s.value for s in SizeClass], lambda s: t(f"size.{s}")),
            key=f"org_size-{lang()}",
        )
        kind = c6.selectbox(
            t("orgs.industry_type"),
            ["discrete", "process"],
            format_func=labeller(["discrete", "process"], lambda k: t(f"industry.{k}")),
            key=f"org_kind-{lang()}",
        )
        employees = c7.number_input(
            t("orgs.employees"), min_value=0, step=1, value=None, key="org_employees"
        )
        override = st.text_input(
            t("orgs.override"), key="org_override", help=t("orgs.override_help")
        )
        if st.form_submit_button(t("orgs.create_button"), type="primary"):
            try:
                org = organisations.create_organisation(
                    actor,
                    db(),
                    name=name,
                    credit_code=code,
                    industry_code=industry,
                    region_code=region,
                    size_class=size,
                    industry_type=kind,
                    employees=int(employees) if employees is not None else None,
                    accept_invalid_code_reason=override or None,
                )
            except LifecycleError as exc:
                show_error(exc)
            else:
                st.success(t("orgs.created", name=md(org.name), id=org.id))


def access_section(actor: auth.Principal, users: list[organisations.UserView]) -> None:
    """Disable an account (its open tabs are signed out on their next click) or enable it."""
    with st.expander(t("orgs.access"), icon=":material/block:"):
        pick = st.selectbox(
            t("orgs.access_pick"),
            [u.id for u in users],
            index=None,
            format_func=lambda i: next(
                f"{u.email} · {t('orgs.active') if u.active else t('orgs.disabled')}"
                for u in users
                if u.id == i
            ),
            key="access_pick",
        )
        chosen = next((u for u in users if u.id == pick), None)
        if chosen is None:
            return
        label = t("orgs.enable") if not chosen.active else t("orgs.disable")
        if st.button(label, key="access_toggle", type="primary" if chosen.active else "secondary"):
            try:
                organisations.set_active(actor, db(), chosen.id, not chosen.active)
            except LifecycleError as exc:
                show_error(exc)
            else:
                st.toast(t("orgs.disabled_done" if chosen.active else "orgs.enabled_done",
                           email=md(chosen.email)))  # fmt: skip
                st.rerun()


def user_section(actor: auth.Principal) -> None:
    st.subheader(t("orgs.users"))
    users = organisations.list_users(actor, db())
    orgs = {o.id: o.name for o in organisations.list_organisations(actor, db())}
    st.dataframe(
        [
            {
                "#": u.id,
                t("orgs.email"): u.email,
                t("orgs.display_name"): u.display_name,
                t("orgs.role"): t(f"role.{u.role}"),
                t("orgs.organisation"): orgs.get(u.organisation_id or 0, "—"),
                t("orgs.account_state"): t("orgs.active") if u.active else t("orgs.disabled"),
                t("orgs.locked"): when(u.locked_until) if u.locked_until else "—",
                t("orgs.last_login"): when(u.last_login_at),
            }
            for u in users
        ],
        hide_index=True,
        width="stretch",
        key="users_table",
    )
    locked = [u for u in users if u.locked_until is not None]
    if locked:
        pick = st.selectbox(
            t("orgs.unlock_pick"),
            [u.id for u in locked],
            format_func=lambda i: next(u.email for u in locked if u.id == i),
            key="unlock_pick",
        )
        if st.button(t("orgs.unlock"), key="unlock"):
            organisations.unlock_user(actor, db(), pick)
            st.rerun()
    access_section(actor, [u for u in users if u.id != actor.user_id])
    with st.expander(t("orgs.create_user"), icon=":material/person_add:"), st.form("user_form"):
        c1, c2 = st.columns(2)
        email = c1.text_input(t("orgs.email"), key="user_email")
        display = c2.text_input(t("orgs.display_name"), key="user_display")
        c3, c4 = st.columns(2)
        role = c3.selectbox(
            t("orgs.role"),
            [r.value for r in Role],
            format_func=labeller([r.value for r in Role], lambda r: t(f"role.{r}")),
            key=f"user_role-{lang()}",
        )
        org_ids = [0, *orgs]
        org = c4.selectbox(
            t("orgs.organisation"),
            org_ids,
            format_func=labeller(org_ids, lambda i: orgs.get(i, t("orgs.no_org"))),
            key=f"user_org-{lang()}",
        )
        st.caption(t("orgs.password_note"))
        if st.form_submit_button(t("orgs.create_user_button"), type="primary"):
            password = generate_password()
            try:
                created = organisations.create_user(
                    actor,
                    db(),
                    email=email,
                    role=role,
                    password=password,
                    org_id=org or None,
                    display_name=display or None,
                )
            except LifecycleError as exc:
                show_error(exc)
            else:
                st.success(t("orgs.user_created", email=md(created.email)))
                st.code(password, language=None)


def waited(since: dt.datetime | None, now: dt.datetime) -> str:
    """How long a submission has waited, in whole days (hours on its first day)."""
    if since is None:
        return "—"
    hours = max(0, int((now - since).total_seconds() // 3600))
    return t("pool.days", n=hours // 24) if hours >= 24 else t("pool.hours", n=hours)


def pool_section(actor: auth.Principal) -> None:
    """The submissions nobody reviews yet: what an administrator sees first."""
    rows = assignment.pool(actor, db())
    with st.container(border=True, key="pool"):
        st.subheader(t("pool.title", n=len(rows)))
        if not rows:
            st.caption(t("pool.empty"))
            return
        st.caption(t("pool.intro"))
        known, names = regions(), divisions()
        now = utcnow()
        st.dataframe(
            [
                {
                    "#": r.id,
                    t("queue.firm"): r.organisation_name,
                    t("orgs.region"): known[r.region_code].name
                    if r.region_code in known
                    else r.region_code,
                    t("orgs.industry"): f"{r.industry_code[:2]} {names[r.industry_code[:2]].name}"
                    if r.industry_code[:2] in names
                    else r.industry_code,
                    t("queue.submitted"): when(r.submitted_at),
                    t("pool.waiting"): waited(r.submitted_at, now),
                }
                for r in rows
            ],
            hide_index=True,
            width="stretch",
            key="pool_table",
        )
        st.page_link(
            "ui/pages/admin_assign.py", label=t("pool.go_assign"), icon=":material/assignment_ind:"
        )


def render() -> None:
    actor = auth.require_role(Role.ADMINISTRATOR)
    show_flashes()
    st.title(t("orgs.title"))
    pool_section(actor)
    org_section(actor)
    user_section(actor)


if __name__ == "__main__":
    render()
