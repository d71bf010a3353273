"""Administrator: the standards library — what is installed, the values it leaves NOT FOUND (and
setting one from an official text without editing YAML), and checking a corrected YAML file
(every validation problem with its line) before it goes into the repository."""

from __future__ import annotations

import streamlit as st

from assessment.accounts.principal import Principal, Role
from assessment.errors import LifecycleError
from assessment.library import configured
from assessment.library.check import check_upload
from standards import Standard, bundled_library
from ui.pages.library import library_table
from ui.parts import auth, plain
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
    t,
    tr,
)


def parameter_name(std: Standard, path: str) -> str:
    """A NOT FOUND parameter in words: the gate and profile it belongs to, or its path."""
    parts = path.split(".")
    if parts[0] == "gates" and len(parts) == 5:
        gate = next((g for g in std.gates if g.id == parts[1]), None)
        if gate is not None:
            variant = gate.variants.get(parts[4])
            where = tr(variant) if variant else t("admin_library.variant_default")
            return f"{tr(gate.title)} · {profile_name(std, parts[3])} · {where}"
    if path == "scoring.tier_rule.mandatory_share":
        return t("admin_library.param_mandatory_share")
    if parts[0] == "parameters" and len(parts) == 2:
        return t("admin_library.param_named", name=parts[1])
    return path


def configured_values(actor: Principal) -> None:
    """Values the library leaves NOT FOUND: what is in force, and a form to set one."""
    st.subheader(t("admin_library.pending"))
    st.caption(t("admin_library.pending_intro"))
    found = configured.list_configurable(actor, db())
    standards = bundled_library().standards
    st.dataframe(
        [
            {
                t("admin_library.standard"): f"{c.standard_id} {c.edition}",
                t("admin_library.parameter"): parameter_name(standards[c.standard_id], c.path),
                t("admin_library.in_force"): (
                    f"{number(c.value)} {c.sourced.unit or ''} ({plain.label_name(c.label)})".strip()
                    if c.value is not None
                    else t("admin_library.pending_value")
                ),
                t("admin_library.source"): c.source or "",
            }
            for c in found
        ],
        hide_index=True,
        width="stretch",
        key="configured_values",
    )
    options = list(range(len(found)))
    with st.form("configured-value", border=True):
        chosen = st.selectbox(
            t("admin_library.parameter"),
            options,
            format_func=labeller(
                options,
                lambda i: (
                    f"{found[i].standard_id} · {parameter_name(standards[found[i].standard_id], found[i].path)}"
                ),
            ),
            key="cv_parameter",
        )
        value = st.number_input(t("admin_library.value"), min_value=0.0, value=None, key="cv_value")
        labels = ["OFFICIAL", "NEWS", "THIRD-PARTY", "UNVERIFIED", "INFERRED"]
        label = st.selectbox(
            t("admin_library.label"),
            labels,
            format_func=labeller(labels, lambda v: t(f"admin_library.label_{v}")),
            key="cv_label",
        )
        source = st.text_input(
            t("admin_library.source"), help=t("admin_library.source_help"), key="cv_source"
        )
        left, right = st.columns(2)
        save = left.form_submit_button(t("admin_library.set"), type="primary")
        withdraw = right.form_submit_button(t("admin_library.withdraw"))
    if not (save or withdraw) or chosen is None:
        return
    item = found[chosen]
    try:
        configured.set_value(
            actor, db(), standard_id=item.standard_id, path=item.path,
            value=None if withdraw else value, label=label, source=source,
        )  # fmt: skip
    except LifecycleError as exc:
        show_error(exc)
        return
    flash(t("admin_library.withdrawn" if withdraw else "admin_library.saved"))
    st.rerun()


def render() -> None:
    actor = auth.require_role(Role.ADMINISTRATOR)
    show_flashes()
    st.title(t("admin_library.title"))
    standards = sorted(bundled_library().standards.values(), key=lambda s: s.id)
    library_table(standards)
    configured_values(actor)
    st.subheader(t("admin_library.check"))
    st.caption(t("admin_library.check_intro"))
    upload = st.file_uploader(t("admin_library.upload"), type=["yaml", "yml"], key="library_upload")
    if upload is None:
        return
    result = check_upload(actor, upload.name, upload.getvalue())
    if result.library is not None:
        found = [f"{tr(s.title)} ({s.id} {s.edition})" for s in result.library.standards.values()]
        st.success(t("admin_library.valid", name=md(result.filename), n=len(found)))
        for line in found:
            st.markdown(f"- {md(line)}")
        st.caption(t("admin_library.install_hint"))
        return
    st.error(t("admin_library.invalid", name=md(result.filename), n=len(result.issues)))
    st.dataframe(
        [
            {
                t("admin_library.line"): i.line,
                t("admin_library.column"): i.column,
                t("admin_library.problem"): i.text(lang()),
            }
            for i in result.issues
        ],
        hide_index=True,
        width="stretch",
        key="library_issues",
    )


if __name__ == "__main__":
    render()
