"""Administrator: the standards library — what is installed, and checking a corrected YAML file
(every validation problem with its line) before it goes into the repository."""

from __future__ import annotations

import streamlit as st

from assessment.identity import Role
from assessment.library_check import check_upload
from standards import bundled_library
from ui import auth
from ui.common import md, t, tr
from ui.library import library_table


def render() -> None:
    user = auth.require_role(Role.ADMINISTRATOR)
    st.title(t("admin_library.title"))
    standards = sorted(bundled_library().standards.values(), key=lambda s: s.id)
    library_table(standards)
    st.subheader(t("admin_library.check"))
    st.caption(t("admin_library.check_intro"))
    upload = st.file_uploader(t("admin_library.upload"), type=["yaml", "yml"], key="library_upload")
    if upload is None:
        return
    result = check_upload(user, upload.name, upload.getvalue())
    if result.library is not None:
        found = [f"{tr(s.title)} ({s.id} {s.edition})" for s in result.library.standards.values()]
        st.success(t("admin_library.valid", name=result.filename, n=len(found)))
        for line in found:
            st.markdown(f"- {md(line)}")
        st.caption(t("admin_library.install_hint"))
        return
    st.error(t("admin_library.invalid", name=result.filename, n=len(result.issues)))
    st.dataframe(
        [
            {
                t("admin_library.line"): i.line,
                t("admin_library.column"): i.column,
                t("admin_library.problem"): i.message,
            }
            for i in result.issues
        ],
        hide_index=True,
        width="stretch",
        key="library_issues",
    )


if __name__ == "__main__":
    render()
