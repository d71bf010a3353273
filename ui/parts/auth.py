"""The identity boundary of the app: who is signed in, and the role checks of every page.

Local accounts through `assessment.identity.authenticate` today; an OIDC backend (st.login /
st.user mapped to an account) would replace `sign_in` and `current_user` here and nowhere else.
The session keeps only plain ids (never a database object) and the account is re-read on every run,
so a deactivated account is signed out at once. The session also keeps the account's credential
version from signing in: once the password changes, the version moves on and the next run of every
other session signed in with the old password finds itself signed out.
"""

from __future__ import annotations

import streamlit as st

from assessment.accounts.identity import authenticate, principal_for
from assessment.accounts.principal import Principal, Role
from assessment.errors import AuthenticationFailed
from ui.parts.common import LANGUAGE_NAMES, db, md, t

SESSION_KEY = "auth_user_id"
VERSION_KEY = "auth_credential_version"


def current_user() -> Principal | None:
    user_id = st.session_state.get(SESSION_KEY)
    if user_id is None:
        return None
    signed_in_with = st.session_state.get(VERSION_KEY)
    try:
        actor = principal_for(db(), int(user_id), credential_version=signed_in_with)
    except AuthenticationFailed:
        st.session_state.pop(SESSION_KEY, None)
        st.session_state.pop(VERSION_KEY, None)
        return None
    if signed_in_with is None:
        # An account id put into the session by other means than `sign_in` (the app tests do)
        # is held to the credentials the account has now.
        st.session_state[VERSION_KEY] = actor.credential_version
    return actor


def sign_in(email: str, password: str) -> Principal:
    """Check the password (lockout and audit are the service's); remember the account and the
    credential version it signed in with."""
    principal = authenticate(db(), email, password)
    st.session_state[SESSION_KEY] = principal.user_id
    st.session_state[VERSION_KEY] = principal.credential_version
    return principal


def sign_out() -> None:
    keep = {"lang"}
    for key in list(st.session_state.keys()):
        if key not in keep:
            del st.session_state[key]


def require_role(*roles: Role) -> Principal:
    """The signed-in Principal when its role may see this page; otherwise say so and stop."""
    actor = current_user()
    if actor is None:
        st.warning(t("auth.sign_in_first"))
        st.stop()
    if actor.role not in roles:
        st.error(t("auth.forbidden"))
        st.stop()
    return actor


def sidebar_controls(actor: Principal | None) -> None:
    """Language switch and the account box, drawn by the entry point on every page."""
    with st.sidebar:
        st.segmented_control(
            "语言 / Language",
            list(LANGUAGE_NAMES),
            format_func=LANGUAGE_NAMES.__getitem__,
            default="zh",
            required=True,
            key="lang",
            bind="query-params",
        )
        if actor is not None:
            st.caption(
                t("auth.signed_in_as", name=md(actor.name), role=t(f"role.{actor.role.value}"))
            )
            if st.button(t("auth.sign_out"), key="sign_out", icon=":material/logout:"):
                sign_out()
                st.rerun()
