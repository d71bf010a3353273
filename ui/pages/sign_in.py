"""Sign in with a local account (email and password); lockout is the identity service's. Where
secrets.toml configures an OIDC provider (`[auth]`), a second button signs in through it
(`st.login`) and the provider's e-mail is mapped to a local account.

Every failed sign-in shows the same text (wrong, unknown, locked or inactive alike), with a hint
about the lock that is shown to everyone, so the page reveals nothing about which accounts exist.
"""

from __future__ import annotations

import streamlit as st

from assessment.errors import AuthenticationFailed, LifecycleError
from ui.parts import auth
from ui.parts.common import md, show_error, t


def render() -> None:
    st.title(t("signin.title"))
    st.caption(t("signin.intro"))
    with st.form("sign_in", border=True, enter_to_submit=True):
        email = st.text_input(t("signin.email"), key="signin_email", autocomplete="username")
        password = st.text_input(
            t("signin.password"),
            type="password",
            key="signin_password",
            autocomplete="current-password",
        )
        submitted = st.form_submit_button(t("signin.submit"), type="primary")
    if submitted:
        try:
            auth.sign_in(email, password)
        except AuthenticationFailed:
            # One answer for every failure, so the page never tells whether an account exists.
            st.error(t("signin.wrong"))
            st.caption(t("signin.lockout_hint"))
        except LifecycleError as exc:  # the database too busy to record the attempt
            show_error(exc)
        else:
            st.rerun()
    if auth.oidc_configured():
        unknown = st.session_state.pop("_oidc_unknown", None)
        if unknown is not None:
            st.error(t("signin.oidc_unknown", email=md(unknown or "—")))
        st.button(t("signin.oidc"), key="sign_in_oidc", icon=":material/badge:", on_click=st.login)
    st.divider()
    st.markdown(t("signin.verify_hint"))
    st.page_link("ui/pages/verify.py", label=t("nav.verify"), icon=":material/verified:")


if __name__ == "__main__":
    render()
